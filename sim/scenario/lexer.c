/* lexer.c: scenario file bytes -> [section] headers and key = value records,
 * each with its line number.
 *
 * Why not iniparser_load: it loses line numbers, silently keeps the last of
 * duplicate keys, rejects a UTF-8 byte-order mark, cuts lines at 1024 bytes
 * and prints to stderr. This lexer does the reading; iniparser only gets the
 * records afterwards (scenario.c).
 *
 * Contract
 * - Accepted: a UTF-8 BOM at the start, LF or CRLF line ends, blank lines,
 *   full-line comments starting with ';' or '#', inline comments starting
 *   with ';' or '#' after a space or tab, values in double or single
 *   quotes (taken literally, no escapes).
 * - Reported (one diagnostic per bad line, the line then skipped): a
 *   UTF-16 byte-order mark and NUL bytes (once for the whole file, which
 *   then yields nothing: it is not UTF-8 text), lines over
 *   SCENARIO_LINE_MAX bytes, invalid UTF-8, a CR without its LF (old Mac
 *   line ends), other control characters, malformed headers and lines, bad
 *   key characters, unclosed quotes, duplicate sections and duplicate keys
 *   (naming both lines).
 * - Not judged here: whether a section or key exists, empty values, or a
 *   key before any header; the binder knows the schema and says more.
 * - Names and values point into the lexer-owned buffer, which the lexer
 *   edits in place (NUL-terminating fields), so lexing allocates only the
 *   two record arrays and a temporary sort index.
 */
#include "scenario_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

static char *trim(char *s) {
    while (is_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Returns the offset of the first byte that breaks UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF included), or SIZE_MAX. */
static size_t utf8_invalid_at(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            cp = c & 0x07u;
        } else {
            return i;
        }
        for (size_t k = 1; k <= extra; k++) {
            if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += extra + 1;
    }
    return SIZE_MAX;
}

typedef struct lexer {
    const char *file;
    scenario_sink *sink;
    scenario_lexed *out;
    size_t header_capacity;
    size_t kv_capacity;
    int current; /* header index for following keys; -1 before any, -2 after a broken one */
} lexer;

static cp_status add_header(lexer *lx, int line, const char *name) {
    scenario_lexed *out = lx->out;
    if (out->header_count == lx->header_capacity) {
        size_t capacity = lx->header_capacity ? lx->header_capacity * 2 : 32;
        scenario_header *grown = realloc(out->headers, capacity * sizeof *grown);
        if (!grown)
            return CP_ENOMEM;
        out->headers = grown;
        lx->header_capacity = capacity;
    }
    scenario_header *h = &out->headers[out->header_count];
    h->line = line;
    h->name = name;
    h->first_line = 0;
    h->first = out->header_count;
    if (out->header_count >= INT32_MAX)
        return CP_ENOMEM;
    lx->current = (int)out->header_count++;
    return CP_OK;
}

static cp_status add_kv(lexer *lx, int line, const char *key, const char *value) {
    scenario_lexed *out = lx->out;
    if (out->kv_count == lx->kv_capacity) {
        size_t capacity = lx->kv_capacity ? lx->kv_capacity * 2 : 64;
        scenario_kv *grown = realloc(out->kvs, capacity * sizeof *grown);
        if (!grown)
            return CP_ENOMEM;
        out->kvs = grown;
        lx->kv_capacity = capacity;
    }
    scenario_kv *kv = &out->kvs[out->kv_count++];
    kv->line = line;
    kv->header = lx->current;
    kv->key = key;
    kv->value = value;
    kv->first_line = 0;
    return CP_OK;
}

static const char *section_of(const lexer *lx, int header) {
    return header >= 0 ? lx->out->headers[header].name : NULL;
}

/* "[name]  ; comment" */
/* A broken header whose name can still be read ("[team" or "[team] x")
 * still opens its section once its error is reported, so that the lines
 * under it are checked in the same pass. */
static bool readable_name(const char *name) {
    if (*name == '\0')
        return false;
    for (const char *p = name; *p; p++)
        if (*p == '[' || *p == ']' || *p == '=' || *p == ';' || *p == '#')
            return false;
    return true;
}

static cp_status lex_header(lexer *lx, int line, char *text) {
    char *close = strchr(text, ']');
    if (!close) {
        char *name = trim(text + 1);
        if (!readable_name(name)) {
            scenario_report(lx->sink, lx->file, line, NULL, NULL,
                            "section header without a closing ']'; write it as [section]");
            lx->current = -2;
            return CP_OK;
        }
        scenario_report(lx->sink, lx->file, line, name, NULL,
                        "section header without a closing ']'; write it as [%s] (the lines "
                        "under it are checked as that section's)",
                        name);
        return add_header(lx, line, name);
    }
    *close = '\0';
    char *rest = trim(close + 1);
    char *name = trim(text + 1);
    if (*rest && *rest != ';' && *rest != '#') {
        scenario_report(lx->sink, lx->file, line, name, NULL,
                        "unexpected text \"%.40s\" after ']'; a header line holds only "
                        "[section] and an optional comment",
                        rest);
        if (!readable_name(name)) {
            lx->current = -2;
            return CP_OK;
        }
        return add_header(lx, line, name);
    }
    if (*name == '\0' || strchr(name, '[')) {
        scenario_report(lx->sink, lx->file, line, NULL, NULL,
                        "malformed section header; write it as [section], e.g. [team]");
        lx->current = -2;
        return CP_OK;
    }
    return add_header(lx, line, name);
}

static bool is_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* "key = value  ; comment" or "key = "quoted value"" */
static cp_status lex_assignment(lexer *lx, int line, char *text) {
    const char *section = section_of(lx, lx->current);
    char *eq = strchr(text, '=');
    if (!eq) {
        scenario_report(lx->sink, lx->file, line, section, NULL,
                        "malformed line \"%.40s\": expected \"key = value\", a [section] "
                        "header, or a comment starting with ';' or '#'",
                        text);
        return CP_OK;
    }
    *eq = '\0';
    char *key = trim(text);
    if (*key == '\0') {
        scenario_report(lx->sink, lx->file, line, section, NULL,
                        "missing key name before '='; expected \"key = value\"");
        return CP_OK;
    }
    for (const char *c = key; *c; c++) {
        if (!is_key_char(*c)) {
            scenario_report(lx->sink, lx->file, line, section, key,
                            "key name \"%.60s\" has the character '%c'; every key is written "
                            "with letters, digits and '_' (see `cpsim keys`)",
                            key, *c);
            return CP_OK;
        }
    }
    char *value = eq + 1;
    while (is_blank(*value))
        value++;
    if (*value == '"' || *value == '\'') {
        char quote_char = *value;
        char *close = strchr(value + 1, quote_char);
        if (!close) {
            scenario_report(lx->sink, lx->file, line, section, key,
                            "quoted value without its closing %c", quote_char);
            return CP_OK;
        }
        *close = '\0';
        char *rest = trim(close + 1);
        if (*rest && *rest != ';' && *rest != '#') {
            scenario_report(lx->sink, lx->file, line, section, key,
                            "unexpected text \"%.40s\" after the closing quote", rest);
            return CP_OK;
        }
        value++;
    } else {
        /* A comment starts at ';' or '#' after a blank (or at the very
         * start): "10;x" stays one value, so the number check can flag it,
         * rather than a typo silently becoming a comment. */
        for (char *c = value; *c; c++) {
            if ((*c == ';' || *c == '#') && (c == value || is_blank(c[-1]))) {
                *c = '\0';
                break;
            }
        }
        value = trim(value);
    }
    return add_kv(lx, line, key, value);
}

static cp_status lex_line(lexer *lx, int line, char *text, size_t length) {
    if (length > SCENARIO_LINE_MAX) {
        scenario_report(lx->sink, lx->file, line, section_of(lx, lx->current), NULL,
                        "line is %zu bytes long; lines may be at most %d bytes", length,
                        SCENARIO_LINE_MAX);
        return CP_OK;
    }
    size_t bad = utf8_invalid_at((const unsigned char *)text, length);
    if (bad != SIZE_MAX) {
        scenario_report(lx->sink, lx->file, line, section_of(lx, lx->current), NULL,
                        "invalid UTF-8 (byte 0x%02X at column %zu); save the file as UTF-8",
                        (unsigned)(unsigned char)text[bad], bad + 1);
        return CP_OK;
    }
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\r') { /* a CR not followed by LF: classic Mac line ends, or a stray one */
            scenario_report(lx->sink, lx->file, line, section_of(lx, lx->current), NULL,
                            "carriage return (CR) without a line feed at column %zu; save the "
                            "file with LF or CRLF line ends",
                            i + 1);
            return CP_OK;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            scenario_report(lx->sink, lx->file, line, section_of(lx, lx->current), NULL,
                            "control character 0x%02X at column %zu; only text and tabs are "
                            "allowed",
                            (unsigned)c, i + 1);
            return CP_OK;
        }
    }
    char *s = trim(text);
    if (*s == '\0' || *s == ';' || *s == '#')
        return CP_OK;
    if (*s == '[')
        return lex_header(lx, line, s);
    if (lx->current == -2)
        return CP_OK; /* under a broken header: its error covers these lines */
    return lex_assignment(lx, line, s);
}

/* Sort records by (section, key) ignoring case, then by line, so
 * duplicates sit next to each other with the first one first. */
typedef struct dup_ref {
    const char *section;
    const char *key; /* NULL when sorting headers */
    int line;
    size_t index;
} dup_ref;

static int compare_dup_ref(const void *pa, const void *pb) {
    const dup_ref *a = pa, *b = pb;
    int c = strcasecmp(a->section, b->section);
    if (c == 0 && a->key && b->key)
        c = strcasecmp(a->key, b->key);
    if (c == 0)
        c = (a->line > b->line) - (a->line < b->line);
    return c;
}

static cp_status find_duplicates(lexer *lx) {
    scenario_lexed *out = lx->out;
    size_t n = out->header_count > out->kv_count ? out->header_count : out->kv_count;
    if (n == 0)
        return CP_OK;
    dup_ref *refs = malloc(n * sizeof *refs);
    if (!refs)
        return CP_ENOMEM;

    size_t count = 0;
    for (size_t i = 0; i < out->header_count; i++)
        refs[count++] = (dup_ref){out->headers[i].name, NULL, out->headers[i].line, i};
    qsort(refs, count, sizeof *refs, compare_dup_ref);
    for (size_t i = 1; i < count; i++) {
        if (strcasecmp(refs[i].section, refs[i - 1].section) != 0)
            continue;
        scenario_header *h = &out->headers[refs[i].index];
        h->first = out->headers[refs[i - 1].index].first; /* by line: the chain's head */
        h->first_line = out->headers[h->first].line;
        scenario_report(lx->sink, lx->file, h->line, h->name, NULL,
                        "section [%s] appears twice (first on line %d); put all its keys under "
                        "one [%s] header",
                        h->name, h->first_line, h->name);
    }

    count = 0;
    for (size_t i = 0; i < out->kv_count; i++) {
        const scenario_kv *kv = &out->kvs[i];
        if (kv->header >= 0)
            refs[count++] = (dup_ref){out->headers[kv->header].name, kv->key, kv->line, i};
    }
    qsort(refs, count, sizeof *refs, compare_dup_ref);
    for (size_t i = 1; i < count; i++) {
        if (strcasecmp(refs[i].section, refs[i - 1].section) != 0 ||
            strcasecmp(refs[i].key, refs[i - 1].key) != 0)
            continue;
        scenario_kv *kv = &out->kvs[refs[i].index];
        const scenario_kv *prev = &out->kvs[refs[i - 1].index];
        kv->first_line = prev->first_line ? prev->first_line : prev->line;
        scenario_report(lx->sink, lx->file, kv->line, refs[i].section, kv->key,
                        "duplicate key \"%s\" in [%s]: already set on line %d; each key may "
                        "appear once per section",
                        kv->key, refs[i].section, kv->first_line);
    }
    free(refs);
    return CP_OK;
}

cp_status scenario_lex(char *text, size_t size, const char *file, scenario_sink *sink,
                       scenario_lexed *out) {
    memset(out, 0, sizeof *out);
    out->buffer = text;
    lexer lx = {.file = file, .sink = sink, .out = out, .current = -1};

    /* Notepad's "Unicode" is UTF-16: say so, rather than "binary", since
     * the fix is one menu away. */
    unsigned first = size >= 1 ? (unsigned char)text[0] : 0u;
    unsigned second = size >= 2 ? (unsigned char)text[1] : 0u;
    if ((first == 0xFFu && second == 0xFEu) || (first == 0xFEu && second == 0xFFu)) {
        scenario_report(sink, file, 1, NULL, NULL,
                        "the file is UTF-16 (it starts with the byte-order mark %02X %02X); "
                        "save it as UTF-8",
                        first, second);
        return CP_OK;
    }
    const char *nul = memchr(text, '\0', size);
    if (nul) {
        int line = 1;
        for (const char *c = text; c < nul; c++)
            line += *c == '\n';
        scenario_report(sink, file, line, NULL, NULL,
                        "the file contains NUL bytes (first on line %d): it is a binary file, "
                        "not an INI text",
                        line);
        return CP_OK;
    }

    char *p = text;
    char *end = text + size;
    if (size >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* a BOM, as Windows editors write; it carries no meaning in UTF-8 */
    int line = 0;
    while (p < end) {
        line++;
        char *newline = memchr(p, '\n', (size_t)(end - p));
        char *line_end = newline ? newline : end;
        *line_end = '\0';
        size_t length = (size_t)(line_end - p);
        if (length > 0 && p[length - 1] == '\r')
            p[--length] = '\0';
        cp_status status = lex_line(&lx, line, p, length);
        if (status != CP_OK)
            return status;
        p = line_end + 1;
    }
    return find_duplicates(&lx);
}

void scenario_lexed_fini(scenario_lexed *lexed) {
    free(lexed->buffer);
    free(lexed->headers);
    free(lexed->kvs);
    memset(lexed, 0, sizeof *lexed);
}
