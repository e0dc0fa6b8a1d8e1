/* value.c: strict parsing of one value text into one typed field.
 *
 * Contract: scenario_parse_value accepts only what a careful reader would
 * read the same way:
 * - numbers must be consumed whole (no "10 workers"), finite (no NaN, inf,
 *   or overflow such as 1e309), and have no leading zero ("012" reads as 12
 *   here but as octal 10 in C, shells and some INI libraries, so it is
 *   refused rather than guessed); hexadecimal only for the 64-bit seed;
 * - integers must be whole, written without a decimal point or exponent;
 * - booleans only true/false/yes/no/on/off/1/0, any case;
 * - choices only one of the listed words, any case;
 * - lists need exactly their length, items separated by spaces or commas.
 * Every failure leaves the field untouched and writes one message saying
 * what was wrong and what is allowed. strtod reads in the C locale; the cli
 * never calls setlocale, so "0.5" means one half everywhere.
 * No state: every function is pure apart from its output arguments.
 */
#include "scenario_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Shown values are cut to this many bytes so a stray paragraph in a value
 * does not drown the message. */
#define QUOTE_MAX 40

typedef enum number_problem {
    NUMBER_OK,
    NUMBER_NOT_NUMBER,
    NUMBER_TRAILING,
    NUMBER_NOT_FINITE,
    NUMBER_TOO_LARGE,
    NUMBER_TOO_SMALL,
    NUMBER_LEADING_ZERO,
    NUMBER_HEX,
    NUMBER_NOT_WHOLE,
    NUMBER_NEGATIVE
} number_problem;

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* Copies text into buf in double quotes, cut at QUOTE_MAX bytes on a UTF-8
 * character boundary. */
static void quote(const char *text, char *buf, size_t size) {
    size_t length = strlen(text);
    bool cut = length > QUOTE_MAX;
    if (cut) {
        length = QUOTE_MAX;
        while (length > 0 && ((unsigned char)text[length] & 0xC0) == 0x80)
            length--;
    }
    snprintf(buf, size, "\"%.*s%s\"", (int)length, text, cut ? "..." : "");
}

void scenario_format_real(double value, char *buf, size_t size) {
    /* Never true for our callers; stated so that GCC, under UBSan's
     * null-pointer instrumentation, stops warning of a NULL buf (a false
     * -Wformat-truncation that -Werror turns into a failed sanitizer build). */
    if (!buf || size == 0)
        return;
    /* %.17g always round-trips but prints 0.1 as 0.10000000000000001; the
     * shortest of 15..17 digits that reads back exactly is just as exact
     * and is what a person would have written. */
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(buf, size, "%.*g", precision, value);
        if (strtod(buf, NULL) == value)
            return;
    }
}

void scenario_allowed_text(const cp_schema_entry *entry, char *buf, size_t size) {
    char lo[40], hi[40], unit[80] = "";
    scenario_format_real(entry->min, lo, sizeof lo);
    scenario_format_real(entry->max, hi, sizeof hi);
    if (entry->unit && entry->unit[0])
        snprintf(unit, sizeof unit, " (%s)", entry->unit);
    switch (entry->type) {
    case CP_TYPE_REAL:
        snprintf(buf, size, "%s to %s%s", lo, hi, unit);
        break;
    case CP_TYPE_INT:
        snprintf(buf, size, "a whole number from %s to %s%s", lo, hi, unit);
        break;
    case CP_TYPE_UINT64:
        snprintf(buf, size,
                 "a whole number from 0 to 18446744073709551615, decimal or 0x hexadecimal");
        break;
    case CP_TYPE_BOOL:
        snprintf(buf, size, "true, false, yes, no, on, off, 1, 0");
        break;
    case CP_TYPE_CHOICE: {
        /* "a|b|c" -> "a, b or c" */
        size_t used = 0;
        const char *p = entry->choices;
        buf[0] = '\0';
        while (*p && used + 1 < size) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            const char *sep = used == 0 ? "" : (bar ? ", " : " or ");
            int w = snprintf(buf + used, size - used, "%s%.*s", sep, (int)n, p);
            if (w < 0)
                break;
            used += (size_t)w;
            p += n + (bar ? 1 : 0);
        }
        break;
    }
    case CP_TYPE_REAL_LIST:
        snprintf(buf, size, "%d numbers separated by spaces, each %s to %s%s", entry->list_length,
                 lo, hi, unit);
        break;
    case CP_TYPE_STRING:
        snprintf(buf, size, "any text");
        break;
    }
}

static bool is_nonfinite_word(const char *p) {
    return strcasecmp(p, "nan") == 0 || strncasecmp(p, "nan(", 4) == 0 ||
           strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0;
}

/* Scans a whole real number. On NUMBER_TRAILING, *stop points at the first
 * character that is not part of the number. */
static number_problem scan_real(const char *text, double *out, const char **stop) {
    const char *p = text;
    if (*p == '+' || *p == '-')
        p++;
    if (is_nonfinite_word(p))
        return NUMBER_NOT_FINITE;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        return NUMBER_HEX; /* strtod would read 0x1p3 as 8 */
    if (!(is_digit(p[0]) || (p[0] == '.' && is_digit(p[1]))))
        return NUMBER_NOT_NUMBER; /* also rules out strtod's leading spaces */
    if (p[0] == '0' && is_digit(p[1]))
        return NUMBER_LEADING_ZERO;
    errno = 0;
    char *end;
    double value = strtod(text, &end);
    if (*end != '\0') {
        *stop = end;
        return NUMBER_TRAILING;
    }
    if (errno == ERANGE)
        return fabs(value) > 1.0 ? NUMBER_TOO_LARGE : NUMBER_TOO_SMALL;
    *out = value;
    return NUMBER_OK;
}

/* "012" -> "12", "-00.5" -> "-0.5": what the writer most likely meant. */
static void strip_leading_zeros(const char *text, char *buf, size_t size) {
    const char *p = text;
    size_t used = 0;
    if ((*p == '+' || *p == '-') && used + 1 < size)
        buf[used++] = *p++;
    while (p[0] == '0' && is_digit(p[1]))
        p++;
    snprintf(buf + used, size - used, "%s", p);
}

static void explain(number_problem problem, const char *text, const char *stop, const char *allowed,
                    char *msg, size_t size) {
    char shown[QUOTE_MAX + 8];
    quote(text, shown, sizeof shown);
    switch (problem) {
    case NUMBER_OK:
        msg[0] = '\0';
        break;
    case NUMBER_NOT_NUMBER:
        snprintf(msg, size, "%s is not a number; allowed: %s", shown, allowed);
        break;
    case NUMBER_TRAILING: {
        char head[QUOTE_MAX + 8], tail[QUOTE_MAX + 8], head_text[QUOTE_MAX + 1];
        size_t head_length = (size_t)(stop - text);
        if (head_length > QUOTE_MAX)
            head_length = QUOTE_MAX;
        memcpy(head_text, text, head_length);
        head_text[head_length] = '\0';
        while (head_length > 0 && isspace((unsigned char)head_text[head_length - 1]))
            head_text[--head_length] = '\0';
        while (isspace((unsigned char)*stop))
            stop++;
        quote(head_text, head, sizeof head);
        quote(stop, tail, sizeof tail);
        snprintf(msg, size, "%s is not a number: unexpected %s after %s; allowed: %s", shown, tail,
                 head, allowed);
        break;
    }
    case NUMBER_NOT_FINITE:
        snprintf(msg, size,
                 "%s is not allowed: NaN and infinities are not numbers the model can use; "
                 "allowed: %s",
                 shown, allowed);
        break;
    case NUMBER_TOO_LARGE:
        snprintf(msg, size, "%s is too large to represent; allowed: %s", shown, allowed);
        break;
    case NUMBER_TOO_SMALL:
        snprintf(msg, size,
                 "%s is too close to zero to represent exactly; write 0 or a larger number; "
                 "allowed: %s",
                 shown, allowed);
        break;
    case NUMBER_LEADING_ZERO: {
        char fixed[QUOTE_MAX + 8], fixed_text[64];
        strip_leading_zeros(text, fixed_text, sizeof fixed_text);
        quote(fixed_text, fixed, sizeof fixed);
        snprintf(msg, size,
                 "%s has a leading zero: leading zeros are not allowed (other tools read 012 "
                 "as octal 10); write %s; allowed: %s",
                 shown, fixed, allowed);
        break;
    }
    case NUMBER_HEX:
        snprintf(msg, size,
                 "%s is hexadecimal: only simulation.seed may be written in hex; allowed: %s",
                 shown, allowed);
        break;
    case NUMBER_NOT_WHOLE:
        snprintf(msg, size,
                 "%s is not a whole number (write it without a decimal point or exponent); "
                 "allowed: %s",
                 shown, allowed);
        break;
    case NUMBER_NEGATIVE:
        snprintf(msg, size, "%s is negative; allowed: %s", shown, allowed);
        break;
    }
}

static void out_of_range(const char *text, const char *allowed, char *msg, size_t size) {
    char shown[QUOTE_MAX + 8];
    quote(text, shown, sizeof shown);
    snprintf(msg, size, "%s is out of range; allowed: %s", shown, allowed);
}

static bool parse_real(const cp_schema_entry *entry, const char *text, double *out, char *msg,
                       size_t size) {
    char allowed[200];
    scenario_allowed_text(entry, allowed, sizeof allowed);
    double value = 0.0;
    const char *stop = NULL;
    number_problem problem = scan_real(text, &value, &stop);
    if (problem != NUMBER_OK) {
        explain(problem, text, stop, allowed, msg, size);
        return false;
    }
    if (value < entry->min || value > entry->max) {
        out_of_range(text, allowed, msg, size);
        return false;
    }
    *out = value;
    return true;
}

static bool has_fraction_or_exponent(const char *text) {
    return strpbrk(text, ".eE") != NULL;
}

static bool parse_int(const cp_schema_entry *entry, const char *text, int *out, char *msg,
                      size_t size) {
    char allowed[200];
    scenario_allowed_text(entry, allowed, sizeof allowed);
    double value = 0.0;
    const char *stop = NULL;
    number_problem problem = scan_real(text, &value, &stop);
    if (problem == NUMBER_OK && has_fraction_or_exponent(text))
        problem = NUMBER_NOT_WHOLE; /* "2.0" and "1e3" too: an int key wants an int */
    if (problem != NUMBER_OK) {
        explain(problem, text, stop, allowed, msg, size);
        return false;
    }
    /* Ranges of int keys are far below 2^53, so the double is exact and
     * the comparison is too; huge inputs simply fall out of range. */
    if (value < entry->min || value > entry->max) {
        out_of_range(text, allowed, msg, size);
        return false;
    }
    *out = (int)value;
    return true;
}

static bool parse_uint64(const cp_schema_entry *entry, const char *text, uint64_t *out, char *msg,
                         size_t size) {
    char allowed[200];
    scenario_allowed_text(entry, allowed, sizeof allowed);
    const char *p = text;
    if (*p == '+')
        p++;
    number_problem problem = NUMBER_OK;
    int base = 10;
    const char *digits = p;
    if (*p == '-') {
        problem = NUMBER_NEGATIVE;
    } else if (is_nonfinite_word(p)) {
        problem = NUMBER_NOT_FINITE;
    } else if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        digits = p + 2;
        if (*digits == '\0')
            problem = NUMBER_NOT_NUMBER;
        for (const char *q = digits; *q && problem == NUMBER_OK; q++)
            if (!isxdigit((unsigned char)*q))
                problem = NUMBER_NOT_NUMBER;
    } else {
        if (!is_digit(*p))
            problem = NUMBER_NOT_NUMBER;
        for (const char *q = p; *q && problem == NUMBER_OK; q++)
            if (!is_digit(*q))
                problem =
                    (is_digit(*p) && strchr(".eE", *q)) ? NUMBER_NOT_WHOLE : NUMBER_NOT_NUMBER;
        if (problem == NUMBER_OK && p[0] == '0' && p[1] != '\0')
            problem = NUMBER_LEADING_ZERO;
    }
    if (problem != NUMBER_OK) {
        explain(problem, text, NULL, allowed, msg, size);
        return false;
    }
    errno = 0;
    char *end;
    unsigned long long value = strtoull(digits, &end, base);
    if (errno == ERANGE || *end != '\0') {
        explain(NUMBER_TOO_LARGE, text, NULL, allowed, msg, size);
        return false;
    }
    *out = (uint64_t)value;
    return true;
}

static bool parse_bool(const cp_schema_entry *entry, const char *text, bool *out, char *msg,
                       size_t size) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    char shown[QUOTE_MAX + 8], allowed[200];
    quote(text, shown, sizeof shown);
    scenario_allowed_text(entry, allowed, sizeof allowed);
    scenario_suggester s;
    scenario_suggest_init(&s, text);
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        scenario_suggest_consider(&s, yes[i]);
        scenario_suggest_consider(&s, no[i]);
    }
    const char *best = scenario_suggest_result(&s);
    if (best)
        snprintf(msg, size, "%s is not a boolean; allowed: %s; did you mean \"%s\"?", shown,
                 allowed, best);
    else
        snprintf(msg, size, "%s is not a boolean; allowed: %s", shown, allowed);
    return false;
}

static bool parse_choice(const cp_schema_entry *entry, const char *text, int *out, char *msg,
                         size_t size) {
    char words[256];
    snprintf(words, sizeof words, "%s", entry->choices);
    scenario_suggester s;
    scenario_suggest_init(&s, text);
    char *save = NULL;
    int index = 0;
    for (char *w = strtok_r(words, "|", &save); w; w = strtok_r(NULL, "|", &save), index++) {
        if (strcasecmp(text, w) == 0) {
            *out = index; /* choice i is enum value i: config.h keeps them in order */
            return true;
        }
        scenario_suggest_consider(&s, w);
    }
    const char *best = scenario_suggest_result(&s);
    char shown[QUOTE_MAX + 8], allowed[200];
    quote(text, shown, sizeof shown);
    scenario_allowed_text(entry, allowed, sizeof allowed);
    if (best)
        snprintf(msg, size, "%s is not one of the choices; allowed: %s; did you mean \"%s\"?",
                 shown, allowed, best);
    else
        snprintf(msg, size, "%s is not one of the choices; allowed: %s", shown, allowed);
    return false;
}

static bool is_list_separator(char c) {
    return c == ' ' || c == '\t' || c == ',';
}

static bool parse_list(const cp_schema_entry *entry, const char *text, double *out, char *msg,
                       size_t size) {
    char allowed[200];
    scenario_allowed_text(entry, allowed, sizeof allowed);
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (!copy) {
        snprintf(msg, size, "out of memory while reading a list");
        return false;
    }
    memcpy(copy, text, length + 1);

    /* Items checked like a single real with the list's range and unit. */
    cp_schema_entry item_entry = *entry;
    item_entry.type = CP_TYPE_REAL;

    double values[CP_MONTHS > CP_RISK_LEVELS ? CP_MONTHS : CP_RISK_LEVELS];
    size_t capacity = sizeof values / sizeof values[0];
    CP_ASSERT(entry->list_length > 0 && (size_t)entry->list_length <= capacity);
    size_t wanted = (size_t)entry->list_length;

    size_t count = 0, bad = 0;
    char first_problem[400] = "";
    char *p = copy;
    while (*p) {
        while (is_list_separator(*p))
            p++;
        if (!*p)
            break;
        char *start = p;
        while (*p && !is_list_separator(*p))
            p++;
        if (*p)
            *p++ = '\0';
        count++;
        double value = 0.0;
        char item_msg[300];
        if (!parse_real(&item_entry, start, &value, item_msg, sizeof item_msg)) {
            if (bad++ == 0)
                snprintf(first_problem, sizeof first_problem, "item %zu: %s", count, item_msg);
        } else if (count <= wanted) {
            values[count - 1] = value;
        }
    }
    free(copy);

    if (count != wanted) {
        snprintf(msg, size, "expected %zu numbers, got %zu; allowed: %s", wanted, count, allowed);
        return false;
    }
    if (bad > 0) {
        if (bad > 1)
            snprintf(msg, size, "%s (and %zu more bad items)", first_problem, bad - 1);
        else
            snprintf(msg, size, "%s", first_problem);
        return false;
    }
    memcpy(out, values, wanted * sizeof values[0]);
    return true;
}

bool scenario_parse_value(const cp_schema_entry *entry, const char *text, void *dest, char *msg,
                          size_t msg_size) {
    if (text[0] == '\0') {
        char allowed[200];
        scenario_allowed_text(entry, allowed, sizeof allowed);
        snprintf(msg, msg_size,
                 "empty value; allowed: %s; leave the key out to keep the default (%s)", allowed,
                 entry->default_text);
        return false;
    }
    switch (entry->type) {
    case CP_TYPE_REAL: {
        double value;
        if (!parse_real(entry, text, &value, msg, msg_size))
            return false;
        memcpy(dest, &value, sizeof value);
        return true;
    }
    case CP_TYPE_INT: {
        int value;
        if (!parse_int(entry, text, &value, msg, msg_size))
            return false;
        memcpy(dest, &value, sizeof value);
        return true;
    }
    case CP_TYPE_UINT64: {
        uint64_t value;
        if (!parse_uint64(entry, text, &value, msg, msg_size))
            return false;
        memcpy(dest, &value, sizeof value);
        return true;
    }
    case CP_TYPE_BOOL: {
        bool value;
        if (!parse_bool(entry, text, &value, msg, msg_size))
            return false;
        memcpy(dest, &value, sizeof value);
        return true;
    }
    case CP_TYPE_CHOICE: {
        int value;
        if (!parse_choice(entry, text, &value, msg, msg_size))
            return false;
        memcpy(dest, &value, sizeof value);
        return true;
    }
    case CP_TYPE_REAL_LIST:
        return parse_list(entry, text, (double *)dest, msg, msg_size);
    case CP_TYPE_STRING:
        break;
    }
    snprintf(msg, msg_size, "this key's type cannot be read (a bug in the schema table)");
    return false;
}

void scenario_format_value(const cp_schema_entry *entry, const void *src, char *buf, size_t size) {
    switch (entry->type) {
    case CP_TYPE_REAL: {
        double value;
        memcpy(&value, src, sizeof value);
        scenario_format_real(value, buf, size);
        return;
    }
    case CP_TYPE_INT: {
        int value;
        memcpy(&value, src, sizeof value);
        snprintf(buf, size, "%d", value);
        return;
    }
    case CP_TYPE_UINT64: {
        uint64_t value;
        memcpy(&value, src, sizeof value);
        snprintf(buf, size, "%" PRIu64, value);
        return;
    }
    case CP_TYPE_BOOL: {
        bool value;
        memcpy(&value, src, sizeof value);
        snprintf(buf, size, "%s", value ? "true" : "false");
        return;
    }
    case CP_TYPE_CHOICE: {
        int value;
        memcpy(&value, src, sizeof value);
        const char *p = entry->choices;
        for (int index = 0; index < value && p; index++) {
            p = strchr(p, '|');
            if (p)
                p++;
        }
        if (!p) {
            snprintf(buf, size, "%d", value); /* out of the enum: shows, then fails to load */
            return;
        }
        size_t n = strcspn(p, "|");
        snprintf(buf, size, "%.*s", (int)n, p);
        return;
    }
    case CP_TYPE_REAL_LIST: {
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; i < entry->list_length; i++) {
            double value;
            char item[40];
            memcpy(&value, (const char *)src + (size_t)i * sizeof value, sizeof value);
            scenario_format_real(value, item, sizeof item);
            int w = snprintf(buf + used, size - used, "%s%s", i ? " " : "", item);
            if (w < 0 || (size_t)w >= size - used)
                return;
            used += (size_t)w;
        }
        return;
    }
    case CP_TYPE_STRING:
        break;
    }
    snprintf(buf, size, "?");
}
