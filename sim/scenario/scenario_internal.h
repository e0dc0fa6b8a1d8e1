/* scenario_internal.h: what the scenario layer's .c files share; never
 * included from outside sim/scenario.
 *
 * Layout of the scenario layer
 *   schema.c     the one schema table, lookups, range texts, defaults
 *   value.c      strict parsers: one text -> one typed field, or a message
 *   lexer.c      file bytes -> (line, section, key, value) records
 *   diag.c       diagnostics, the reporting sink, name suggestions
 *   rules.c      cross-key rules, checked after every key is read
 *   scenario.c   load, --set, apply, to_ini: binds the pieces together
 *
 * Internal names start with `scenario_`; public ones with `cp_schema_`,
 * `cp_scenario_`, `cp_config_` and `cp_diagnostic`.
 */
#ifndef CPSIM_SCENARIO_INTERNAL_H
#define CPSIM_SCENARIO_INTERNAL_H

#include "cpsim/scenario.h"

#include <stdbool.h>
#include <stddef.h>

/* Upper bound on the number of schema entries, so per-entry bookkeeping can
 * live on the stack; schema.c asserts the table fits at compile time. */
#define SCENARIO_SCHEMA_CAPACITY 256

/* Longest physical line accepted, in bytes, without its line end. Matches
 * iniparser's own ASCIILINESZ, so every name we hand to iniparser fits its
 * lower-casing buffer. */
#define SCENARIO_LINE_MAX 1024

/* A scenario file larger than this is not a hand-written scenario; refusing
 * it bounds memory and time for a stray `cpsim validate /dev/zero`. */
#define SCENARIO_FILE_MAX ((size_t)1 << 20)

/* Diagnostics kept per load; a garbage file could otherwise yield one per
 * line. The overflow is summarised in one final diagnostic. */
#define SCENARIO_DIAG_LIMIT 200

#define SCENARIO_SHOCK_PREFIX "shock."
#define SCENARIO_SHOCK_TEMPLATE "shock.NAME"

/* ---- diag.c ---------------------------------------------------------- */

/* Where reports go during one load: counts every error (even past the
 * limit, or with no diagnostics list) and remembers an allocation failure
 * instead of making every caller check one. */
typedef struct scenario_sink {
    cp_diagnostics *diags; /* may be NULL: errors are then only counted */
    size_t first;          /* index of this load's first diagnostic */
    size_t errors;         /* errors reported in this load */
    bool out_of_memory;
} scenario_sink;

void scenario_sink_init(scenario_sink *sink, cp_diagnostics *diags);
/* Records one error. section/key may be NULL. */
void scenario_report(scenario_sink *sink, const char *file, int line, const char *section,
                     const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* True once reports would no longer be kept (no list, or over the limit):
 * callers then skip costly work such as suggestions, so a file of a
 * million bad lines costs no more than counting them. */
bool scenario_sink_quiet(const scenario_sink *sink);
/* Orders this load's diagnostics by file position (file ones first, by
 * line; then --set ones in the order given) and adds the overflow note. */
void scenario_sink_finish(scenario_sink *sink, const char *file);

/* Nearest-name suggestion: feed candidates, read the best one that is
 * close enough to be a plausible typo (NULL if none). Case-insensitive. */
typedef struct scenario_suggester {
    const char *word;
    const char *best;
    size_t best_distance;
} scenario_suggester;

void scenario_suggest_init(scenario_suggester *s, const char *word);
void scenario_suggest_consider(scenario_suggester *s, const char *candidate);
const char *scenario_suggest_result(const scenario_suggester *s);
/* Optimal-string-alignment (Damerau-Levenshtein) distance, case-insensitive. */
size_t scenario_edit_distance(const char *a, const char *b);
/* True when every '_'-separated word of `word` matches a word of
 * `candidate`, a word matching another that it starts or that starts it
 * (at least 3 letters; shorter words must be equal), ignoring case:
 * "workers" matches "social_workers", "case_cap" matches "cap_cases". For
 * short names that are no typo of the key meant, only part of it. */
bool scenario_words_match(const char *word, const char *candidate);

/* ---- schema.c -------------------------------------------------------- */

/* Size in bytes of the field an entry describes. */
size_t scenario_field_size(const cp_schema_entry *entry);
/* True if name is a plain section of the schema (not shock.NAME). */
bool scenario_is_section(const char *name);
/* Checks a shock name (the part after "shock."); on failure writes why. */
bool scenario_shock_name_ok(const char *name, char *why, size_t why_size);
/* Fills a shock with the template defaults and the given (valid) name. */
void scenario_shock_defaults(cp_shock_config *shock, const char *name);

/* ---- value.c --------------------------------------------------------- */

/* Parses text as a value of entry's type and range into dest (the field's
 * storage). On failure dest is untouched and msg holds what was wrong and
 * what is allowed. */
bool scenario_parse_value(const cp_schema_entry *entry, const char *text, void *dest, char *msg,
                          size_t msg_size);
/* "0.5 to 1000000 (FTE)", "lognormal or gamma", ...: the allowed values. */
void scenario_allowed_text(const cp_schema_entry *entry, char *buf, size_t size);
/* Formats a double with the fewest significant digits (15 to 17) that read
 * back as exactly the same double. */
void scenario_format_real(double value, char *buf, size_t size);
/* Formats a field's current value as it would be written in a file. */
void scenario_format_value(const cp_schema_entry *entry, const void *src, char *buf, size_t size);

/* ---- lexer.c --------------------------------------------------------- */

typedef struct scenario_header {
    int line;
    const char *name; /* as written, trimmed */
    int first_line;   /* earlier line with the same name, or 0 */
    size_t first;     /* index of the first header with this name (its own if none) */
} scenario_header;

typedef struct scenario_kv {
    int line;
    int header;        /* index into headers, or -1 before any header */
    const char *key;   /* as written */
    const char *value; /* unquoted, comment stripped, trimmed; may be "" */
    int first_line;    /* earlier line setting the same key, or 0 */
} scenario_kv;

typedef struct scenario_lexed {
    char *buffer; /* the file text; names and values point into it */
    scenario_header *headers;
    size_t header_count;
    scenario_kv *kvs;
    size_t kv_count;
} scenario_lexed;

/* Splits text (owned by the lexer from now on, NUL-terminated, size bytes
 * before the NUL) into headers and key/value records. Syntax errors are
 * reported to sink and their lines skipped; a file with NUL bytes is
 * reported once and yields nothing. Returns CP_OK or CP_ENOMEM. */
cp_status scenario_lex(char *text, size_t size, const char *file, scenario_sink *sink,
                       scenario_lexed *out);
void scenario_lexed_fini(scenario_lexed *lexed);

/* ---- rules.c --------------------------------------------------------- */

/* Where a key's value came from, so a broken cross-key rule can point at
 * the line that set it. file NULL means the default. */
typedef struct scenario_origin {
    const char *file;
    int line;
    unsigned order; /* 1, 2, ... in the order values were applied; 0 = default */
} scenario_origin;

/* Checks every cross-key rule on cfg; origins is indexed like the schema. */
void scenario_check_rules(const cp_config *cfg, const scenario_origin *origins,
                          scenario_sink *sink);

#endif
