/* buf.c: the growable text buffer every writer builds a file in, and the
 * formatting of fields: CSV quoting, numbers, JSON strings.
 *
 * Why build whole files in memory rather than fprintf to a FILE: the files
 * are small next to the data they summarise (runs.csv is under 1 KB per
 * replication), and one write(2) loop on a finished buffer gives exact errno
 * on failure (stdio buffers and may report a failure long after the call
 * that caused it, with errno already overwritten).
 *
 * Invariant: data is NULL or NUL-terminated with len < cap. Once an
 * allocation fails, `failed` stays set and appends are ignored, so callers
 * test once at the end.
 */
#include "cpsim/output.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cp_buf_init(cp_buf *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

void cp_buf_fini(cp_buf *b) {
    free(b->data);
    cp_buf_init(b);
}

static bool buf_reserve(cp_buf *b, size_t extra) {
    if (b->failed)
        return false;
    if (extra >= SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void cp_buf_append(cp_buf *b, const char *s, size_t n) {
    if (!buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cp_buf_puts(cp_buf *b, const char *s) {
    cp_buf_append(b, s, strlen(s));
}

void cp_buf_printf(cp_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        cp_buf_append(b, small, (size_t)n);
        return;
    }
    if (!buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void cp_csv_field(cp_buf *b, const char *s) {
    if (strpbrk(s, ",\"\r\n") == NULL) {
        cp_buf_puts(b, s);
        return;
    }
    cp_buf_append(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            cp_buf_append(b, "\"\"", 2);
        else
            cp_buf_append(b, p, 1);
    }
    cp_buf_append(b, "\"", 1);
}

/* Shortest of %.15g/%.16g/%.17g that strtod reads back exactly; %.17g always
 * does for an IEEE double, so the loop ends there. */
static void format_shortest(char *out, size_t size, double x) {
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, x);
        if (prec == 17 || strtod(out, NULL) == x)
            return;
    }
}

void cp_format_number(cp_buf *b, double x) {
    if (isnan(x)) {
        cp_buf_puts(b, "NA");
        return;
    }
    if (isinf(x)) {
        cp_buf_puts(b, x > 0 ? "Inf" : "-Inf");
        return;
    }
    char text[40];
    format_shortest(text, sizeof text, x);
    cp_buf_puts(b, text);
}

void cp_json_number(cp_buf *b, double x) {
    if (!isfinite(x)) {
        cp_buf_puts(b, "null");
        return;
    }
    char text[40];
    format_shortest(text, sizeof text, x);
    cp_buf_puts(b, text);
}

void cp_json_string(cp_buf *b, const char *s) {
    cp_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            cp_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            cp_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            cp_buf_append(b, "\\n", 2);
            break;
        case '\r':
            cp_buf_append(b, "\\r", 2);
            break;
        case '\t':
            cp_buf_append(b, "\\t", 2);
            break;
        case '\b':
            cp_buf_append(b, "\\b", 2);
            break;
        case '\f':
            cp_buf_append(b, "\\f", 2);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                cp_buf_printf(b, "\\u%04x", (unsigned)*p);
            else
                cp_buf_append(b, (const char *)p, 1);
        }
    }
    cp_buf_append(b, "\"", 1);
}
