/* scenario.c: scenario files and --set assignments -> a validated cp_config.
 *
 * Contract (see include/cpsim/scenario.h for the public one)
 * - A load works on a private copy of the config, starting from the schema
 *   defaults, and copies it out only if no error was found: a caller never
 *   sees a half-applied scenario, and cp_scenario_apply leaves its config
 *   untouched on failure.
 * - Order of a load: cp_scenario_load only reads the file (errno-based
 *   messages for missing, unreadable and directory paths) and hands the
 *   bytes to cp_scenario_load_buffer, the one path every text takes (the
 *   fuzzers drive it directly): check the size; lex (lexer.c); resolve every
 *   [section] once (unknown ones reported once, with a suggestion; shocks
 *   numbered in order of first appearance); resolve every key; pass the
 *   surviving records through an iniparser dictionary, the project's INI
 *   library, and read each value back with iniparser_getstring only (its
 *   getint/getdouble/getboolean accept "twelve" as 0, "012" as octal and
 *   anything starting with 't' as true); parse each value strictly
 *   (value.c); apply the --set assignments in order; check cross-key rules
 *   (rules.c). Every problem found on the way is reported; none stops the
 *   pass, except a file that cannot be read or is not text.
 * - Names are case-insensitive (iniparser lower-cases them) but reported as
 *   written.
 * - Nothing here prints or exits; there is no global state, so loads may
 *   run in parallel threads.
 */
#include "scenario_internal.h"

#include <iniparser.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define SET_FILE "--set"
/* The file name in diagnostics for a buffer loaded without a name. */
#define BUFFER_NAME "(buffer)"

typedef struct loader {
    cp_config cfg; /* the private copy being filled */
    scenario_origin origins[SCENARIO_SCHEMA_CAPACITY];
    unsigned order;
    scenario_sink sink;
} loader;

typedef enum section_kind {
    SECTION_PLAIN,  /* a section of the schema */
    SECTION_SHOCK,  /* [shock.NAME] with a good name and room for it */
    SECTION_INVALID /* unknown, or a shock that cannot be used; already reported */
} section_kind;

static void loader_init(loader *ld, const cp_config *start, cp_diagnostics *diags) {
    memset(ld, 0, sizeof *ld);
    if (start)
        memcpy(&ld->cfg, start, sizeof ld->cfg);
    else
        cp_config_defaults(&ld->cfg);
    scenario_sink_init(&ld->sink, diags);
}

static size_t entry_index(const cp_schema_entry *entry) {
    return (size_t)(entry - cp_schema_at(0));
}

/* ---- sections -------------------------------------------------------- */

static bool is_shock_name(const char *section) {
    size_t n = strlen("shock");
    return strncasecmp(section, "shock", n) == 0 && (section[n] == '\0' || section[n] == '.');
}

/* Reports an unknown section; returns the section it is most likely a typo
 * of (NULL if none), whose keys the lines under it are then checked
 * against, so that one pass still reports every error. */
static const char *report_unknown_section(loader *ld, const char *file, int line,
                                          const char *name) {
    /* A sweep file given where a scenario is expected: say what it is. */
    if (strcasecmp(name, "sweep") == 0 || strncasecmp(name, "param.", 6) == 0) {
        scenario_report(&ld->sink, file, line, name, NULL,
                        "unknown section [%s]: this looks like a sweep file, not a scenario; "
                        "check it with `cpsim plan`",
                        name);
        return NULL;
    }
    if (scenario_sink_quiet(&ld->sink)) {
        scenario_report(&ld->sink, file, line, name, NULL, "unknown section");
        return NULL;
    }
    scenario_suggester s;
    scenario_suggest_init(&s, name);
    char list[400] = "";
    size_t used = 0;
    const char *previous = "";
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const char *section = cp_schema_at(i)->section;
        if (strcmp(section, previous) == 0)
            continue; /* sections are contiguous in the table */
        previous = section;
        scenario_suggest_consider(&s, section);
        int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", section);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    const char *best = scenario_suggest_result(&s);
    if (best && strcmp(best, SCENARIO_SHOCK_TEMPLATE) == 0)
        scenario_report(&ld->sink, file, line, name, NULL,
                        "unknown section [%s]; did you mean a shock, [shock.NAME] with a name "
                        "of your own such as [shock.babyp]? (the keys under it are checked as "
                        "a shock's)",
                        name);
    else if (best)
        scenario_report(&ld->sink, file, line, name, NULL,
                        "unknown section [%s]; did you mean [%s]? (the keys under it are "
                        "checked as [%s]'s)",
                        name, best, best);
    else
        scenario_report(&ld->sink, file, line, name, NULL,
                        "unknown section [%s]; the sections are: %s", name, list);
    return best;
}

/* Classifies a section name; for shocks finds or adds the shock and sets
 * *shock_index. Problems are reported here; for a misspelt section name
 * *as_if (when not NULL) is set to the section it was probably meant to be. */
static section_kind resolve_section(loader *ld, const char *file, int line, const char *name,
                                    int *shock_index, const char **as_if) {
    *shock_index = -1;
    if (as_if)
        *as_if = NULL;
    if (scenario_is_section(name))
        return SECTION_PLAIN;
    if (!is_shock_name(name)) {
        const char *meant = report_unknown_section(ld, file, line, name);
        if (as_if)
            *as_if = meant;
        return SECTION_INVALID;
    }
    const char *shock = name[5] == '.' ? name + 6 : "";
    char why[200];
    if (!scenario_shock_name_ok(shock, why, sizeof why)) {
        scenario_report(&ld->sink, file, line, name, NULL, "%s", why);
        return SECTION_INVALID;
    }
    cp_config *cfg = &ld->cfg;
    for (int i = 0; i < cfg->shock_count; i++) {
        if (strcasecmp(cfg->shocks[i].name, shock) == 0) {
            *shock_index = i;
            return SECTION_SHOCK;
        }
    }
    if (cfg->shock_count >= CP_MAX_SHOCKS) {
        scenario_report(&ld->sink, file, line, name, NULL,
                        "too many shocks: at most %d [shock.NAME] sections are allowed",
                        CP_MAX_SHOCKS);
        return SECTION_INVALID;
    }
    *shock_index = cfg->shock_count++;
    scenario_shock_defaults(&cfg->shocks[*shock_index], shock);
    return SECTION_SHOCK;
}

/* ---- keys ------------------------------------------------------------ */

/* Finds the entry for key in a resolved section, or reports why not with
 * the best hint available: a section name misused as a key, a key that
 * lives in another section, or the nearest key by edit distance. */
static const cp_schema_entry *resolve_key(loader *ld, const char *file, int line,
                                          const char *section, section_kind kind, const char *key) {
    const char *table_section = kind == SECTION_SHOCK ? SCENARIO_SHOCK_TEMPLATE : section;
    const cp_schema_entry *entry = cp_schema_find(table_section, key);
    if (entry)
        return entry;

    const char *dot = strrchr(key, '.');
    if (dot) {
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%.*s", (int)(dot - key), key);
        if (cp_schema_find(prefix, dot + 1)) {
            scenario_report(&ld->sink, file, line, section, key,
                            "\"%s\" is a --set name; in a file write \"%s = ...\" under [%s]", key,
                            dot + 1, prefix);
            return NULL;
        }
    }
    if (scenario_sink_quiet(&ld->sink)) { /* only counted: skip the suggestions */
        scenario_report(&ld->sink, file, line, section, key, "unknown key");
        return NULL;
    }
    /* This section's keys first: a typo, or a part of the name ("cap" for
     * cap_cases), then the other hints. */
    enum { WORD_MATCHES_SHOWN = 3 };
    scenario_suggester here;
    scenario_suggest_init(&here, key);
    const cp_schema_entry *elsewhere = NULL;
    const char *by_words[WORD_MATCHES_SHOWN];
    size_t n_by_words = 0;
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        if (strcasecmp(e->section, table_section) == 0) {
            scenario_suggest_consider(&here, e->key);
            if (scenario_words_match(key, e->key)) {
                if (n_by_words < WORD_MATCHES_SHOWN)
                    by_words[n_by_words] = e->key;
                n_by_words++;
            }
        } else if (!elsewhere && strcasecmp(e->key, key) == 0) {
            elsewhere = e;
        }
    }
    const char *best = scenario_suggest_result(&here);
    if (!best && n_by_words == 1)
        best = by_words[0];
    if (best) {
        scenario_report(&ld->sink, file, line, section, key,
                        "unknown key \"%s\" in [%s]; did you mean \"%s\"?", key, section, best);
        return NULL;
    }
    if (n_by_words > 1) {
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < n_by_words && i < WORD_MATCHES_SHOWN; i++) {
            int w = snprintf(list + used, sizeof list - used, "%s\"%s\"",
                             i == 0 ? "" : i + 1 == n_by_words ? " or " : ", ", by_words[i]);
            if (w > 0 && (size_t)w < sizeof list - used)
                used += (size_t)w;
        }
        scenario_report(&ld->sink, file, line, section, key,
                        "unknown key \"%s\" in [%s]; did you mean %s%s?", key, section, list,
                        n_by_words > WORD_MATCHES_SHOWN ? " (or another: run `cpsim keys`)" : "");
        return NULL;
    }
    if (scenario_is_section(key) || is_shock_name(key)) {
        scenario_report(&ld->sink, file, line, section, key,
                        "\"%s\" is a section name, not a key of [%s]; start that section with "
                        "a line [%s] and put its keys under it",
                        key, section, key);
        return NULL;
    }
    if (elsewhere) {
        scenario_report(&ld->sink, file, line, section, key,
                        "unknown key \"%s\" in [%s]; \"%s\" belongs in [%s]", key, section,
                        elsewhere->key, elsewhere->section);
        return NULL;
    }
    /* Last try: a misspelt key of another section. */
    scenario_suggester anywhere;
    scenario_suggest_init(&anywhere, key);
    const cp_schema_entry *owner = NULL;
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        const char *before = anywhere.best;
        scenario_suggest_consider(&anywhere, e->key);
        if (anywhere.best != before)
            owner = e;
    }
    if (scenario_suggest_result(&anywhere) && owner) {
        scenario_report(&ld->sink, file, line, section, key,
                        "unknown key \"%s\" in [%s]; did you mean \"%s\" in [%s]?", key, section,
                        owner->key, owner->section);
        return NULL;
    }
    scenario_report(&ld->sink, file, line, section, key,
                    "unknown key \"%s\" in [%s]; run `cpsim keys` to list every key", key, section);
    return NULL;
}

static void store_value(loader *ld, const char *file, int line, const char *section,
                        const char *key, const cp_schema_entry *entry, int shock_index,
                        const char *value) {
    char *base = shock_index >= 0 ? (char *)&ld->cfg.shocks[shock_index] : (char *)&ld->cfg;
    char msg[512];
    if (!scenario_parse_value(entry, value, base + entry->offset, msg, sizeof msg)) {
        scenario_report(&ld->sink, file, line, section, key, "%s", msg);
        return;
    }
    if (shock_index < 0)
        ld->origins[entry_index(entry)] = (scenario_origin){file, line, ++ld->order};
}

/* ---- the file -------------------------------------------------------- */

static void describe_errno(int err, char *buf, size_t size) {
    switch (err) {
    case ENOENT:
        snprintf(buf, size, "no such file; check the path");
        break;
    case EACCES:
    case EPERM:
        snprintf(buf, size, "permission denied; the file is not readable by this user");
        break;
    case ENOTDIR:
        snprintf(buf, size, "a part of the path is not a directory");
        break;
    default:
        if (strerror_r(err, buf, size) != 0)
            snprintf(buf, size, "error %d", err);
    }
}

/* Reads a whole file into a malloc'd buffer. Reads at most a little past
 * SCENARIO_FILE_MAX, so cp_scenario_load_buffer, which owns the size check,
 * still sees that the file is too big. On failure reports to sink and
 * returns CP_EINPUT (the path is wrong), CP_EIO (reading failed) or
 * CP_ENOMEM. */
static cp_status read_file(scenario_sink *sink, const char *path, char **text, size_t *size) {
    char why[256];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        describe_errno(errno, why, sizeof why);
        scenario_report(sink, path, 0, NULL, NULL, "cannot open the scenario file: %s", why);
        return CP_EINPUT;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        describe_errno(errno, why, sizeof why);
        scenario_report(sink, path, 0, NULL, NULL, "cannot read the scenario file: %s", why);
        close(fd);
        return CP_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        scenario_report(sink, path, 0, NULL, NULL,
                        "is a directory, not a scenario file; give the path of an .ini file");
        close(fd);
        return CP_EINPUT;
    }
    /* Read in chunks rather than trusting st_size: pipes and /proc files
     * report 0. Stopping once past the limit bounds a `cpsim validate
     * /dev/zero`. */
    size_t capacity = 8192, used = 0;
    char *buf = malloc(capacity);
    if (!buf) {
        close(fd);
        sink->out_of_memory = true;
        return CP_ENOMEM;
    }
    for (;;) {
        if (used == capacity) {
            if (capacity > SCENARIO_FILE_MAX)
                break;
            size_t grown_capacity = capacity * 2;
            char *grown = realloc(buf, grown_capacity);
            if (!grown) {
                free(buf);
                close(fd);
                sink->out_of_memory = true;
                return CP_ENOMEM;
            }
            buf = grown;
            capacity = grown_capacity;
        }
        ssize_t got = read(fd, buf + used, capacity - used);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            describe_errno(errno, why, sizeof why);
            scenario_report(sink, path, 0, NULL, NULL, "cannot read the scenario file: %s", why);
            free(buf);
            close(fd);
            return CP_EIO;
        }
        if (got == 0)
            break;
        used += (size_t)got;
    }
    close(fd);
    *text = buf;
    *size = used;
    return CP_OK;
}

/* Builds the iniparser name "section:key" (iniparser lower-cases it). */
static void dictionary_name(const char *section, const char *key, char *buf, size_t size) {
    int w = snprintf(buf, size, "%s:%s", section, key);
    /* Only schema keys and valid section names get here, all short. */
    CP_ASSERT(w > 0 && (size_t)w < size);
}

/* Where each lexed record goes once its section and key are resolved. */
typedef struct binding {
    const cp_schema_entry *entry; /* NULL: skipped (already reported) */
    int shock_index;
} binding;

/* Checks one key under a misspelt header as a key of the section meant
 * (`as_if`, which may be the shock template), reporting what is wrong. */
static void check_as_if(loader *ld, const char *path, const scenario_kv *kv, const char *as_if) {
    bool shock = strcasecmp(as_if, SCENARIO_SHOCK_TEMPLATE) == 0;
    const cp_schema_entry *entry =
        resolve_key(ld, path, kv->line, as_if, shock ? SECTION_SHOCK : SECTION_PLAIN, kv->key);
    if (!entry)
        return;
    /* scratch of the right struct, on the heap (a config is large; this is
     * an error path) */
    size_t size = shock ? sizeof(cp_shock_config) : sizeof(cp_config);
    char *scratch = calloc(1, size);
    if (!scratch) {
        ld->sink.out_of_memory = true;
        return;
    }
    char msg[512];
    if (!scenario_parse_value(entry, kv->value, scratch + entry->offset, msg, sizeof msg))
        scenario_report(&ld->sink, path, kv->line, as_if, kv->key, "%s", msg);
    free(scratch);
}

static cp_status bind_records(loader *ld, const char *path, const scenario_lexed *lexed) {
    cp_status status = CP_OK;
    section_kind *kinds = calloc(lexed->header_count + 1, sizeof *kinds);
    int *shock_of = calloc(lexed->header_count + 1, sizeof *shock_of);
    const char **as_if = calloc(lexed->header_count + 1, sizeof *as_if);
    binding *bindings = calloc(lexed->kv_count + 1, sizeof *bindings);
    dictionary *dict = dictionary_new(0);
    if (!kinds || !shock_of || !as_if || !bindings || !dict) {
        status = CP_ENOMEM;
        goto done;
    }

    for (size_t h = 0; h < lexed->header_count; h++) {
        const scenario_header *header = &lexed->headers[h];
        if (header->first != h) { /* a repeat: same meaning as the first, already reported */
            kinds[h] = kinds[header->first];
            shock_of[h] = shock_of[header->first];
            as_if[h] = as_if[header->first];
            continue;
        }
        kinds[h] = resolve_section(ld, path, header->line, header->name, &shock_of[h], &as_if[h]);
        if (kinds[h] != SECTION_INVALID && iniparser_set(dict, header->name, NULL) != 0) {
            status = CP_ENOMEM;
            goto done;
        }
    }

    char name[2 * SCENARIO_LINE_MAX + 2];
    for (size_t i = 0; i < lexed->kv_count; i++) {
        const scenario_kv *kv = &lexed->kvs[i];
        bindings[i].entry = NULL;
        if (kv->header < 0) {
            const cp_schema_entry *owner = NULL;
            for (size_t k = 0; k < cp_schema_count() && !owner; k++)
                if (strcasecmp(cp_schema_at(k)->key, kv->key) == 0)
                    owner = cp_schema_at(k);
            if (owner)
                scenario_report(&ld->sink, path, kv->line, NULL, kv->key,
                                "key \"%s\" comes before any [section] header; put it under "
                                "[%s]",
                                kv->key, owner->section);
            else
                scenario_report(&ld->sink, path, kv->line, NULL, kv->key,
                                "key \"%s\" comes before any [section] header; every key "
                                "belongs to a section such as [simulation]",
                                kv->key);
            continue;
        }
        size_t h = (size_t)kv->header;
        if (kv->first_line)
            continue; /* reported as a duplicate */
        if (kinds[h] == SECTION_INVALID) {
            /* Under a misspelt header: checked as the section meant, for
             * the errors only (the header's error already fails the load),
             * parsed into scratch so nothing reaches the loader's config. */
            if (as_if[h])
                check_as_if(ld, path, kv, as_if[h]);
            continue;
        }
        const char *section = lexed->headers[h].name;
        const cp_schema_entry *entry = resolve_key(ld, path, kv->line, section, kinds[h], kv->key);
        if (!entry)
            continue;
        bindings[i].entry = entry;
        bindings[i].shock_index = shock_of[h];
        dictionary_name(section, kv->key, name, sizeof name);
        if (iniparser_set(dict, name, kv->value) != 0) {
            status = CP_ENOMEM;
            goto done;
        }
    }

    /* Values come back through iniparser_getstring, the one getter that
     * does no conversion of its own. */
    for (size_t i = 0; i < lexed->kv_count; i++) {
        const scenario_kv *kv = &lexed->kvs[i];
        if (!bindings[i].entry)
            continue;
        const char *section = lexed->headers[kv->header].name;
        dictionary_name(section, kv->key, name, sizeof name);
        const char *value = iniparser_getstring(dict, name, NULL);
        CP_ASSERT(value != NULL);
        store_value(ld, path, kv->line, section, kv->key, bindings[i].entry,
                    bindings[i].shock_index, value);
    }

done:
    if (dict)
        dictionary_del(dict);
    free(bindings);
    free(as_if);
    free(shock_of);
    free(kinds);
    return status;
}

/* Lexes and binds a file's text; text is owned from here on (the lexer
 * edits it in place and frees it). */
static cp_status load_text(loader *ld, const char *name, char *text, size_t size) {
    scenario_lexed lexed;
    cp_status status = scenario_lex(text, size, name, &ld->sink, &lexed);
    if (status == CP_OK)
        status = bind_records(ld, name, &lexed);
    scenario_lexed_fini(&lexed);
    return status;
}

/* ---- --set ----------------------------------------------------------- */

static char *trim_in_place(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static cp_status apply_assignment(loader *ld, const char *assignment) {
    size_t length = strlen(assignment);
    char *copy = malloc(length + 1);
    if (!copy)
        return CP_ENOMEM;
    memcpy(copy, assignment, length + 1);

    char *eq = strchr(copy, '=');
    char *dot = NULL;
    if (eq) {
        *eq = '\0';
        dot = strrchr(copy, '.');
    }
    if (!eq || !dot) {
        scenario_report(&ld->sink, SET_FILE, 0, NULL, NULL,
                        "malformed assignment \"%.80s\": expected section.key=value, e.g. "
                        "team.social_workers=12",
                        assignment);
        free(copy);
        return CP_OK;
    }
    *dot = '\0';
    char *section = trim_in_place(copy);
    char *key = trim_in_place(dot + 1);
    char *value = trim_in_place(eq + 1);
    size_t value_length = strlen(value);
    if (value_length >= 2 && (value[0] == '"' || value[0] == '\'') &&
        value[value_length - 1] == value[0]) {
        value[value_length - 1] = '\0';
        value++;
    }
    if (*section == '\0' || *key == '\0') {
        scenario_report(&ld->sink, SET_FILE, 0, section, key,
                        "malformed assignment \"%.80s\": expected section.key=value, e.g. "
                        "team.social_workers=12",
                        assignment);
        free(copy);
        return CP_OK;
    }
    /* A --set may add a shock, but a name one typo from an existing shock
     * is far likelier a typo than a new shock. */
    if (is_shock_name(section) && section[5] == '.') {
        const char *name = section + 6;
        bool exists = false;
        scenario_suggester near;
        scenario_suggest_init(&near, name);
        for (int i = 0; i < ld->cfg.shock_count; i++) {
            exists = exists || strcasecmp(ld->cfg.shocks[i].name, name) == 0;
            scenario_suggest_consider(&near, ld->cfg.shocks[i].name);
        }
        const char *meant = exists ? NULL : scenario_suggest_result(&near);
        if (meant) {
            scenario_report(&ld->sink, SET_FILE, 0, section, key,
                            "the scenario has no [shock.%s]; did you mean [shock.%s]? (a --set "
                            "naming a new shock adds one: give it a name that is not one typo "
                            "from an existing shock)",
                            name, meant);
            free(copy);
            return CP_OK;
        }
    }
    int shock_index = -1;
    section_kind kind = resolve_section(ld, SET_FILE, 0, section, &shock_index, NULL);
    if (kind != SECTION_INVALID) {
        const cp_schema_entry *entry = resolve_key(ld, SET_FILE, 0, section, kind, key);
        if (entry)
            store_value(ld, SET_FILE, 0, section, key, entry, shock_index, value);
    }
    free(copy);
    return CP_OK;
}

/* ---- public ---------------------------------------------------------- */

static cp_status finish(loader *ld, const char *path, cp_status status, cp_config *cfg) {
    if (status == CP_OK)
        scenario_check_rules(&ld->cfg, ld->origins, &ld->sink);
    scenario_sink_finish(&ld->sink, path);
    if (status == CP_ENOMEM || ld->sink.out_of_memory)
        return CP_ENOMEM;
    if (status != CP_OK)
        return status;
    if (ld->sink.errors > 0)
        return CP_EINPUT;
    memcpy(cfg, &ld->cfg, sizeof *cfg); /* memcpy keeps the zeroed padding */
    return CP_OK;
}

cp_status cp_scenario_load_buffer(const char *name, const char *data, size_t len,
                                  const char *const *sets, size_t set_count, cp_config *cfg,
                                  cp_diagnostics *diags) {
    loader *ld = malloc(sizeof *ld);
    if (!ld)
        return CP_ENOMEM;
    loader_init(ld, NULL, diags);
    const char *file = data ? (name ? name : BUFFER_NAME) : NULL;
    cp_status status = CP_OK;
    if (data && len > SCENARIO_FILE_MAX) {
        scenario_report(&ld->sink, file, 0, NULL, NULL,
                        "the file is larger than %zu bytes; a scenario file is a short text",
                        (size_t)SCENARIO_FILE_MAX);
        status = CP_EINPUT; /* not a scenario: no point checking --set against it */
    } else if (data) {
        /* A private, NUL-terminated copy: the lexer cuts fields in place,
         * and the caller's bytes (a fuzzer's, say) must stay untouched. */
        char *text = malloc(len + 1);
        if (!text) {
            status = CP_ENOMEM;
        } else {
            memcpy(text, data, len);
            text[len] = '\0';
            status = load_text(ld, file, text, len);
        }
    }
    for (size_t i = 0; i < set_count && status == CP_OK; i++)
        status = apply_assignment(ld, sets[i]);
    status = finish(ld, file, status, cfg);
    free(ld);
    return status;
}

cp_status cp_scenario_load(const char *path, const char *const *sets, size_t set_count,
                           cp_config *cfg, cp_diagnostics *diags) {
    if (!path)
        return cp_scenario_load_buffer(NULL, NULL, 0, sets, set_count, cfg, diags);
    /* Only the reading is done here; everything else is the buffer's path,
     * so a file and the same bytes in memory load identically. A file that
     * cannot be read is its one diagnostic: the --set assignments are not
     * checked against a scenario that is not there. */
    scenario_sink sink;
    scenario_sink_init(&sink, diags);
    char *text = NULL;
    size_t size = 0;
    cp_status status = read_file(&sink, path, &text, &size);
    if (status != CP_OK) {
        scenario_sink_finish(&sink, path);
        return sink.out_of_memory ? CP_ENOMEM : status;
    }
    status = cp_scenario_load_buffer(path, text, size, sets, set_count, cfg, diags);
    free(text);
    return status;
}

cp_status cp_scenario_apply(cp_config *cfg, const char *assignment, cp_diagnostics *diags) {
    loader *ld = malloc(sizeof *ld);
    if (!ld)
        return CP_ENOMEM;
    loader_init(ld, cfg, diags);
    cp_status status = apply_assignment(ld, assignment);
    status = finish(ld, NULL, status, cfg);
    free(ld);
    return status;
}

/* ---- to_ini ---------------------------------------------------------- */

typedef struct text_buffer {
    char *data;
    size_t length;
    size_t capacity;
    bool failed;
} text_buffer;

static void append(text_buffer *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void append(text_buffer *tb, const char *fmt, ...) {
    if (tb->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(tb->data + tb->length, tb->capacity - tb->length, fmt, ap);
        va_end(ap);
        if (w < 0) {
            tb->failed = true;
            return;
        }
        if ((size_t)w < tb->capacity - tb->length) {
            tb->length += (size_t)w;
            return;
        }
        size_t capacity = tb->capacity * 2 + (size_t)w;
        char *grown = realloc(tb->data, capacity);
        if (!grown) {
            tb->failed = true;
            return;
        }
        tb->data = grown;
        tb->capacity = capacity;
    }
}

char *cp_scenario_to_ini(const cp_config *cfg) {
    text_buffer tb = {malloc(8192), 0, 8192, false};
    if (!tb.data)
        return NULL;
    tb.data[0] = '\0';
    append(&tb, "; cpsim scenario, normalised: every key, in schema order.\n"
                "; Loading this text gives back exactly the same configuration.\n");
    const char *section = "";
    char value[512];
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        if (cp_schema_is_shock(e)) {
            if (strcmp(section, e->section) == 0)
                continue; /* all shock keys were written with the first */
            section = e->section;
            for (int s = 0; s < cfg->shock_count && s < CP_MAX_SHOCKS; s++) {
                const cp_shock_config *shock = &cfg->shocks[s];
                append(&tb, "\n[shock.%.*s]\n", (int)sizeof shock->name, shock->name);
                for (size_t j = i; j < cp_schema_count() && cp_schema_is_shock(cp_schema_at(j));
                     j++) {
                    const cp_schema_entry *se = cp_schema_at(j);
                    scenario_format_value(se, (const char *)shock + se->offset, value,
                                          sizeof value);
                    append(&tb, "%s = %s\n", se->key, value);
                }
            }
            continue;
        }
        if (strcmp(section, e->section) != 0) {
            section = e->section;
            append(&tb, "\n[%s]\n", section);
        }
        scenario_format_value(e, (const char *)cfg + e->offset, value, sizeof value);
        append(&tb, "%s = %s\n", e->key, value);
    }
    if (tb.failed) {
        free(tb.data);
        return NULL;
    }
    return tb.data;
}
