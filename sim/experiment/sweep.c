/* sweep.c: sweep files, point configs, and plan folders (contract in
 * cpsim/sweep.h).
 *
 * A sweep file is a small INI file with its own grammar ([sweep] and
 * [param.NAME]), read by a line lexer here rather than by iniparser because
 * every message must name the line, and iniparser does not keep lines. The
 * lexer accepts what scenario files accept: a UTF-8 byte-order mark, CRLF,
 * `;` and `#` comments (inline after a space), case-insensitive section and
 * key names.
 *
 * Checking happens in layers, so a message always points at the cause:
 * the file's own grammar and values; then each parameter's key against the
 * schema; then each parameter's extreme values (min, max, every listed
 * value) applied alone to the base scenario, which puts range errors on the
 * line of the value that is out of range; and last (when asked) every design
 * point as a whole, which catches cross-key rules that only combinations
 * break. All problems are collected and reported together, one per line.
 * Between the last two, the design's memory is checked before it is
 * allocated (cpsim/memcheck.h): a design inside CP_DESIGN_MAX_POINTS can
 * still need more than the machine has (ten million points of forty
 * parameters is some 40 GiB with design.csv's text), and it must be refused
 * with its size, not left to the kernel's OOM killer.
 *
 * Plans: the plan folder is the unit a cluster sees, so it must not depend
 * on the files it was planned from: base.ini holds the base scenario
 * normalised (every key, so a later change of defaults cannot change the
 * sweep), and sweep.ini the sweep file's bytes. Opening a plan regenerates
 * the design from those two and insists it matches design.csv byte for
 * byte: the numbers a run uses are then provably the ones on disk, without a
 * CSV reader for design.csv.
 */
#include "cpsim/sweep.h"

#include "cpsim/memcheck.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A sweep file is hand-written; anything bigger is a mistake. */
#define SWEEP_FILE_MAX ((size_t)1 << 20)
#define SWEEP_PARAMS_MAX 1000
#define SWEEP_LIST_MAX 100000
/* Messages are gathered in full, then cut to fit a cp_error. */
#define SWEEP_MESSAGE_ROOM (CP_ERROR_MESSAGE_MAX - 64)

/* ---- reading files ------------------------------------------------------ */

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer. */
static cp_status read_whole(const char *path, size_t max, char **out, size_t *len, cp_error *err) {
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return cp_error_set(err, errno == ENOENT ? CP_EINPUT : CP_EIO, "cannot read %s: %s", path,
                            strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return cp_error_set(err, CP_EINPUT, "cannot read %s: it is a directory", path);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap > max + 1) {
                free(buf);
                fclose(f);
                return cp_error_set(err, CP_EINPUT, "%s is larger than %zu bytes", path, max);
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!buf) {
        fclose(f);
        return cp_error_set(err, CP_ENOMEM, "out of memory reading %s", path);
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return cp_error_set(err, CP_EIO, "cannot read %s: %s", path, strerror(e));
    }
    fclose(f);
    if (n > max) {
        free(buf);
        return cp_error_set(err, CP_EINPUT, "%s is larger than %zu bytes", path, max);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return CP_OK;
}

/* ---- problems: every error in a file, one line each ------------------------ */

typedef struct problems {
    const char *file;
    cp_buf text;
    size_t count;
} problems;

static void problem(problems *p, int line, const char *section, const char *key, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

static void problem(problems *p, int line, const char *section, const char *key, const char *fmt,
                    ...) {
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->count > 0)
        cp_buf_puts(&p->text, "\n");
    if (line > 0)
        cp_buf_printf(&p->text, "%s:%d: ", p->file, line);
    else
        cp_buf_printf(&p->text, "%s: ", p->file);
    if (section && key)
        cp_buf_printf(&p->text, "[%s] %s: ", section, key);
    else if (section)
        cp_buf_printf(&p->text, "[%s]: ", section);
    cp_buf_puts(&p->text, msg);
    p->count++;
}

/* Moves the gathered problems into err, cut at a line boundary to fit. */
static cp_status problems_finish(problems *p, cp_error *err) {
    if (p->count == 0) {
        cp_buf_fini(&p->text);
        return CP_OK;
    }
    if (p->text.failed) {
        cp_buf_fini(&p->text);
        return cp_error_set(err, CP_ENOMEM, "out of memory while checking %s", p->file);
    }
    size_t keep = p->text.len;
    size_t shown = p->count;
    if (keep > SWEEP_MESSAGE_ROOM) {
        shown = 0;
        size_t cut = 0;
        for (size_t i = 0; i < SWEEP_MESSAGE_ROOM; i++) {
            if (p->text.data[i] == '\n') {
                cut = i;
                shown++;
            }
        }
        if (shown == 0) { /* one very long line: cut it */
            cut = SWEEP_MESSAGE_ROOM;
            shown = 1;
        }
        keep = cut;
    }
    if (shown < p->count)
        cp_error_set(err, CP_EINPUT, "%.*s\n(and %zu more problems)", (int)keep, p->text.data,
                     p->count - shown);
    else
        cp_error_set(err, CP_EINPUT, "%.*s", (int)keep, p->text.data);
    cp_buf_fini(&p->text);
    return CP_EINPUT;
}

/* ---- strict values ------------------------------------------------------- */

static bool parse_real(const char *s, double *out) {
    if (!*s || isspace((unsigned char)*s))
        return false;
    const char *t = (*s == '+' || *s == '-') ? s + 1 : s;
    if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
        return false; /* strtod would read hex floats */
    errno = 0;
    char *end;
    double x = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(x))
        return false;
    *out = x;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out) {
    if (!*s)
        return false;
    uint64_t v = 0;
    for (const char *c = s; *c; c++) {
        if (!isdigit((unsigned char)*c))
            return false;
        uint64_t d = (uint64_t)(*c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* The shortest of %.15g, %.16g and %.17g that reads back to x. */
static void format_real(double x, char *buf, size_t size) {
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(buf, size, "%.*g", precision, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

/* ---- the sweep file's grammar ------------------------------------------- */

typedef struct sweep_keys {
    int scenario, design, points, replications, seed, outcomes; /* lines, 0 = absent */
    int section_line;
} sweep_keys;

typedef struct reader {
    cp_sweep *sw;
    problems probs;
    sweep_keys keys;
    size_t param_capacity;
} reader;

static char *trim(char *s) {
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Drops a comment: `;` or `#` at the start or after white space. */
static void strip_comment(char *s) {
    for (char *c = s; *c; c++) {
        if ((*c == ';' || *c == '#') && (c == s || isspace((unsigned char)c[-1]))) {
            *c = '\0';
            return;
        }
    }
}

static bool name_ok(const char *name) {
    if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return false;
    for (const char *c = name; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '_'))
            return false;
    return strlen(name) < CP_SWEEP_NAME_MAX;
}

static cp_sweep_param *add_param(reader *rd, const char *name, int line) {
    cp_sweep *sw = rd->sw;
    if (sw->param_count == rd->param_capacity) {
        size_t cap = rd->param_capacity ? rd->param_capacity * 2 : 8;
        cp_sweep_param *grown = realloc(sw->params, cap * sizeof *grown);
        if (!grown)
            return NULL;
        sw->params = grown;
        rd->param_capacity = cap;
    }
    cp_sweep_param *p = &sw->params[sw->param_count++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->line = line;
    return p;
}

static void sweep_key(reader *rd, int line, const char *key, const char *value) {
    cp_sweep *sw = rd->sw;
    sweep_keys *k = &rd->keys;
    int *seen = NULL;
    if (strcasecmp(key, "scenario") == 0)
        seen = &k->scenario;
    else if (strcasecmp(key, "design") == 0)
        seen = &k->design;
    else if (strcasecmp(key, "points") == 0)
        seen = &k->points;
    else if (strcasecmp(key, "replications") == 0)
        seen = &k->replications;
    else if (strcasecmp(key, "seed") == 0)
        seen = &k->seed;
    else if (strcasecmp(key, "outcomes") == 0)
        seen = &k->outcomes;
    if (!seen) {
        problem(&rd->probs, line, "sweep", key,
                "unknown key; [sweep] takes scenario, design, points, replications, seed and "
                "outcomes");
        return;
    }
    if (*seen) {
        problem(&rd->probs, line, "sweep", key, "set twice (first on line %d)", *seen);
        return;
    }
    *seen = line;
    uint64_t u;
    if (seen == &k->scenario) {
        if (!*value || strlen(value) >= sizeof sw->scenario)
            problem(&rd->probs, line, "sweep", key, "expected the path of the base scenario file");
        else
            snprintf(sw->scenario, sizeof sw->scenario, "%s", value);
    } else if (seen == &k->design) {
        if (!cp_design_from_name(value, &sw->design))
            problem(&rd->probs, line, "sweep", key,
                    "\"%s\" is not a design; choose grid, lhs, sobol, morris or saltelli", value);
        sw->design_line = line;
    } else if (seen == &k->points) {
        if (!parse_u64(value, &u) || u < 1 || u > CP_DESIGN_MAX_POINTS)
            problem(&rd->probs, line, "sweep", key, "\"%s\" is not a whole number from 1 to %zu",
                    value, CP_DESIGN_MAX_POINTS);
        else
            sw->points_key = (size_t)u;
    } else if (seen == &k->replications) {
        if (!parse_u64(value, &u) || u < 1 || u > 1000000)
            problem(&rd->probs, line, "sweep", key,
                    "\"%s\" is not a whole number from 1 to 1000000", value);
        else
            sw->replications = (size_t)u;
    } else if (seen == &k->seed) {
        if (!parse_u64(value, &u))
            problem(&rd->probs, line, "sweep", key,
                    "\"%s\" is not a whole number from 0 to 18446744073709551615", value);
        else
            sw->seed = u;
    } else {
        char list[1024];
        snprintf(list, sizeof list, "%s", value);
        char *save = NULL;
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *name = trim(tok);
            int id = cp_outcome_find(name);
            if (id < 0) {
                problem(&rd->probs, line, "sweep", key,
                        "\"%s\" is not an outcome (see the outcome column of summary.csv)", name);
                continue;
            }
            bool dup = false;
            for (size_t i = 0; i < sw->outcome_count; i++)
                dup = dup || sw->outcomes[i] == id;
            if (dup)
                problem(&rd->probs, line, "sweep", key, "\"%s\" is listed twice", name);
            else if (sw->outcome_count < CP_OUTCOME_COUNT)
                sw->outcomes[sw->outcome_count++] = id;
        }
    }
}

static void param_key(reader *rd, cp_sweep_param *p, int line, const char *key, const char *value) {
    char section[CP_SWEEP_NAME_MAX + 8];
    snprintf(section, sizeof section, "param.%s", p->name);
    int *seen = NULL;
    if (strcasecmp(key, "key") == 0)
        seen = &p->key_line;
    else if (strcasecmp(key, "values") == 0)
        seen = &p->values_line;
    else if (strcasecmp(key, "min") == 0)
        seen = &p->min_line;
    else if (strcasecmp(key, "max") == 0)
        seen = &p->max_line;
    else if (strcasecmp(key, "scale") == 0)
        seen = &p->scale_line;
    else if (strcasecmp(key, "levels") == 0)
        seen = &p->levels_line;
    if (!seen) {
        problem(&rd->probs, line, section, key,
                "unknown key; a parameter takes key, values, min, max, scale and levels");
        return;
    }
    if (*seen) {
        problem(&rd->probs, line, section, key, "set twice (first on line %d)", *seen);
        return;
    }
    *seen = line;
    if (seen == &p->key_line) {
        const char *dot = strrchr(value, '.');
        if (!dot || dot == value || !dot[1] || (size_t)(dot - value) >= sizeof p->section ||
            strlen(dot + 1) >= sizeof p->key) {
            problem(&rd->probs, line, section, key,
                    "\"%s\" is not a scenario key; write section.key, e.g. team.social_workers",
                    value);
            return;
        }
        snprintf(p->section, sizeof p->section, "%.*s", (int)(dot - value), value);
        snprintf(p->key, sizeof p->key, "%s", dot + 1);
    } else if (seen == &p->values_line) {
        char *list = strdup(value);
        size_t cap = 8;
        p->values = malloc(cap * sizeof *p->values);
        if (!list || !p->values) {
            free(list);
            problem(&rd->probs, line, section, key, "out of memory");
            return;
        }
        char *save = NULL;
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *t = trim(tok);
            double x;
            if (!parse_real(t, &x)) {
                problem(&rd->probs, line, section, key, "\"%s\" is not a number", t);
                continue;
            }
            if (p->value_count == SWEEP_LIST_MAX) {
                problem(&rd->probs, line, section, key, "more than %d values", SWEEP_LIST_MAX);
                break;
            }
            if (p->value_count == cap) {
                cap *= 2;
                double *grown = realloc(p->values, cap * sizeof *grown);
                if (!grown) {
                    problem(&rd->probs, line, section, key, "out of memory");
                    break;
                }
                p->values = grown;
            }
            p->values[p->value_count++] = x;
        }
        free(list);
        if (p->value_count == 0)
            problem(&rd->probs, line, section, key, "expected a comma-separated list of numbers");
    } else if (seen == &p->min_line || seen == &p->max_line) {
        double x;
        if (!parse_real(value, &x))
            problem(&rd->probs, line, section, key, "\"%s\" is not a number", value);
        else if (seen == &p->min_line)
            p->min = x;
        else
            p->max = x;
    } else if (seen == &p->scale_line) {
        if (strcasecmp(value, "linear") == 0)
            p->scale = CP_SCALE_LINEAR;
        else if (strcasecmp(value, "log") == 0)
            p->scale = CP_SCALE_LOG;
        else
            problem(&rd->probs, line, section, key, "\"%s\" is not a scale; choose linear or log",
                    value);
    } else {
        uint64_t u;
        if (!parse_u64(value, &u) || u < 2 || u > 1000000)
            problem(&rd->probs, line, section, key,
                    "\"%s\" is not a whole number from 2 to 1000000", value);
        else
            p->levels = (unsigned)u;
    }
}

/* Lexes the file and records every key; grammar errors go to rd->probs. */
static void read_sweep_text(reader *rd, char *text) {
    if ((unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
        (unsigned char)text[2] == 0xBF)
        text += 3;
    enum { NONE, SWEEP, PARAM, BAD } where = NONE;
    cp_sweep_param *param = NULL;
    int line = 0;
    /* Lines are walked by hand: strtok on "\n" would skip empty lines and
     * shift every line number after them. */
    char *cur = text;
    while (*cur) {
        line++;
        char *eol = strchr(cur, '\n');
        char *next = eol ? eol + 1 : cur + strlen(cur);
        if (eol)
            *eol = '\0';
        size_t n = strlen(cur);
        if (n > 0 && cur[n - 1] == '\r')
            cur[n - 1] = '\0';
        strip_comment(cur);
        char *s = trim(cur);
        cur = next;
        if (!*s)
            continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close || trim(close + 1)[0]) {
                problem(&rd->probs, line, NULL, NULL, "malformed section header \"%s\"", s);
                where = BAD;
                continue;
            }
            *close = '\0';
            char *name = trim(s + 1);
            if (strcasecmp(name, "sweep") == 0) {
                if (rd->keys.section_line) {
                    problem(&rd->probs, line, "sweep", NULL, "section repeated (first on line %d)",
                            rd->keys.section_line);
                    where = BAD;
                } else {
                    rd->keys.section_line = line;
                    where = SWEEP;
                }
            } else if (strncasecmp(name, "param.", 6) == 0) {
                const char *pname = name + 6;
                where = BAD;
                if (!name_ok(pname)) {
                    problem(&rd->probs, line, name, NULL,
                            "a parameter's name is letters, digits and _ (not starting with a "
                            "digit, under %d characters): it becomes a column name",
                            CP_SWEEP_NAME_MAX);
                    continue;
                }
                if (strcasecmp(pname, "point_id") == 0 || strcasecmp(pname, "replication") == 0 ||
                    cp_outcome_find(pname) >= 0) {
                    problem(&rd->probs, line, name, NULL,
                            "\"%s\" is taken by a column of runs.csv; choose another name", pname);
                    continue;
                }
                bool dup = false;
                for (size_t i = 0; i < rd->sw->param_count; i++) {
                    if (strcasecmp(rd->sw->params[i].name, pname) == 0) {
                        problem(&rd->probs, line, name, NULL,
                                "parameter repeated (first on line %d)", rd->sw->params[i].line);
                        dup = true;
                    }
                }
                if (dup)
                    continue;
                if (rd->sw->param_count >= SWEEP_PARAMS_MAX) {
                    problem(&rd->probs, line, name, NULL, "more than %d parameters",
                            SWEEP_PARAMS_MAX);
                    continue;
                }
                param = add_param(rd, pname, line);
                if (!param) {
                    problem(&rd->probs, line, name, NULL, "out of memory");
                    continue;
                }
                where = PARAM;
            } else {
                problem(&rd->probs, line, name, NULL,
                        "unknown section; a sweep file has [sweep] and [param.NAME] sections");
                where = BAD;
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            problem(&rd->probs, line, NULL, NULL, "expected key = value, not \"%s\"", s);
            continue;
        }
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        if (where == NONE)
            problem(&rd->probs, line, NULL, key, "key outside any section");
        else if (where == SWEEP)
            sweep_key(rd, line, key, value);
        else if (where == PARAM)
            param_key(rd, param, line, key, value);
        /* BAD: the section was already reported; its keys are not. */
    }
}

/* ---- checks that need the schema and the base ------------------------------- */

static const char *scale_name(cp_sweep_scale s) {
    return s == CP_SCALE_LOG ? "log" : "linear";
}

/* Checks one parameter's own definition against the design and the schema. */
static void check_param(reader *rd, cp_sweep_param *p) {
    cp_sweep *sw = rd->sw;
    char section[CP_SWEEP_NAME_MAX + 8];
    snprintf(section, sizeof section, "param.%s", p->name);
    problems *pr = &rd->probs;
    if (!p->key_line) {
        problem(pr, p->line, section, NULL,
                "no key: add key = section.key, e.g. "
                "key = team.social_workers");
        return;
    }
    if (!p->section[0])
        return; /* reported by param_key */
    p->entry = cp_schema_find(p->section, p->key);
    if (!p->entry) {
        /* The scenario checks' own words, with their nearest-key hint, as
         * `--set section.key=...` would get them (an unknown key is refused
         * before any value is read, so the defaults serve as the config). */
        cp_config scratch;
        cp_config_defaults(&scratch);
        char assign[160];
        snprintf(assign, sizeof assign, "%s.%s=0", p->section, p->key);
        cp_diagnostics d;
        cp_diagnostics_init(&d);
        cp_status st = cp_scenario_apply(&scratch, assign, &d);
        const char *why =
            st == CP_EINPUT && d.count > 0 ? d.items[0].message : "see `cpsim keys`";
        problem(pr, p->key_line, section, "key", "%s.%s is not a scenario key: %s", p->section,
                p->key, why);
        cp_diagnostics_fini(&d);
        return;
    }
    switch (p->entry->type) {
    case CP_TYPE_INT:
    case CP_TYPE_UINT64:
        p->integer = true;
        break;
    case CP_TYPE_REAL:
        break;
    case CP_TYPE_BOOL:
        p->boolean = true;
        break;
    default:
        problem(pr, p->key_line, section, "key",
                "%s.%s is a %s; a sweep varies numbers (int, uint64, real) and booleans",
                p->section, p->key, cp_schema_type_name(p->entry));
        return;
    }
    if (strcasecmp(p->section, "simulation") == 0 &&
        (strcasecmp(p->key, "seed") == 0 || strcasecmp(p->key, "replications") == 0)) {
        problem(pr, p->key_line, section, "key",
                "simulation.%s is set for the whole sweep: use `%s` in [sweep]", p->key, p->key);
        return;
    }
    for (size_t i = 0; i < (size_t)(p - sw->params); i++) {
        const cp_sweep_param *q = &sw->params[i];
        if (q->entry && strcasecmp(q->section, p->section) == 0 &&
            strcasecmp(q->key, p->key) == 0) {
            problem(pr, p->key_line, section, "key", "%s.%s is already swept by [param.%s]",
                    p->section, p->key, q->name);
            return;
        }
    }
    bool list = p->values_line != 0;
    bool range = p->min_line || p->max_line;
    bool ranged_design = sw->design != CP_DESIGN_GRID;
    if (list && range) {
        problem(pr, p->values_line, section, "values",
                "give either values or min and max, not both");
        return;
    }
    if (!list && !range) {
        problem(pr, p->line, section, NULL,
                sw->design == CP_DESIGN_GRID
                    ? "no values: add values = a, b, c or min, max and levels"
                    : "no range: add min = and max =");
        return;
    }
    if (p->boolean && !list) {
        problem(pr, p->min_line ? p->min_line : p->max_line, section, NULL,
                "%s.%s is a boolean: give values = 0, 1 (grid designs only)", p->section, p->key);
        return;
    }
    if (list) {
        if (ranged_design) {
            problem(pr, p->values_line, section, "values",
                    "a values list is for grid designs; a %s design needs min and max",
                    cp_design_name(sw->design));
            return;
        }
        if (p->scale_line)
            problem(pr, p->scale_line, section, "scale", "scale goes with min and max, not values");
        if (p->levels_line)
            problem(pr, p->levels_line, section, "levels",
                    "levels goes with min and max, not values");
        p->min = p->max = p->values[0];
        for (size_t i = 0; i < p->value_count; i++) {
            double x = p->values[i];
            if (p->boolean && x != 0 && x != 1) {
                problem(pr, p->values_line, section, "values",
                        "%s.%s is a boolean: values are 0 (false) and 1 (true), not %g", p->section,
                        p->key, x);
                return;
            }
            if (p->integer && x != floor(x)) {
                problem(pr, p->values_line, section, "values",
                        "%s.%s takes whole numbers; %.17g is not one", p->section, p->key, x);
                return;
            }
            for (size_t j = 0; j < i; j++)
                if (p->values[j] == x) {
                    problem(pr, p->values_line, section, "values", "%.17g is listed twice", x);
                    return;
                }
            if (x < p->min)
                p->min = x;
            if (x > p->max)
                p->max = x;
        }
        return;
    }
    if (!p->min_line || !p->max_line) {
        problem(pr, p->min_line ? p->min_line : p->max_line, section, p->min_line ? "max" : "min",
                "a range needs both min and max");
        return;
    }
    if (!(p->min < p->max)) {
        problem(pr, p->max_line, section, "max", "max (%.17g) must be above min (%.17g)", p->max,
                p->min);
        return;
    }
    if (p->scale == CP_SCALE_LOG && !(p->min > 0)) {
        problem(pr, p->min_line, section, "min", "a log scale needs min above 0, not %.17g",
                p->min);
        return;
    }
    if (sw->design == CP_DESIGN_GRID) {
        if (!p->levels_line) {
            problem(pr, p->line, section, NULL,
                    "a grid over a range needs levels = L (L evenly spaced values)");
            return;
        }
    } else if (sw->design == CP_DESIGN_MORRIS) {
        if (!p->levels_line)
            p->levels = 4;
        else if (p->levels % 2 != 0) {
            problem(pr, p->levels_line, section, "levels",
                    "Morris levels must be even (4 is usual): with p even, delta = p/(2(p-1)) "
                    "visits every level equally often");
            return;
        }
    } else if (p->levels_line) {
        problem(pr, p->levels_line, section, "levels",
                "levels is for grid and morris designs; a %s design places its own points",
                cp_design_name(sw->design));
        return;
    }
}

/* The value of a parameter at unit coordinate x in [0, 1]. */
static double map_unit(const cp_sweep_param *p, double x) {
    double v;
    if (x <= 0)
        v = p->min;
    else if (x >= 1)
        v = p->max;
    else if (p->scale == CP_SCALE_LOG)
        v = exp(log(p->min) + x * (log(p->max) - log(p->min)));
    else
        v = p->min + x * (p->max - p->min);
    /* exp(log(x)) and min + x (max - min) can land an ulp outside. */
    if (v < p->min)
        v = p->min;
    if (v > p->max)
        v = p->max;
    if (p->integer)
        v = round(v);
    return v;
}

static void format_assignment(const cp_sweep_param *p, double v, char *buf, size_t size) {
    char num[64];
    if (p->boolean)
        snprintf(num, sizeof num, "%s", v != 0 ? "true" : "false");
    else if (p->integer)
        snprintf(num, sizeof num, "%.0f", v);
    else
        format_real(v, num, sizeof num);
    snprintf(buf, size, "%s.%s=%s", p->section, p->key, num);
}

void cp_sweep_assignment(const cp_sweep *sw, size_t point, size_t j, char *buf, size_t size) {
    CP_ASSERT(point < sw->point_count && j < sw->param_count);
    format_assignment(&sw->params[j], sw->values[point * sw->param_count + j], buf, size);
}

/* The first diagnostic's message (the scenario layer's own words). */
static const char *first_message(const cp_diagnostics *d) {
    return d->count > 0 ? d->items[0].message : "rejected by the scenario checks";
}

/* Applies one value alone to the base; reports at `line` on failure. */
static void check_value(reader *rd, const cp_sweep_param *p, double v, int line, const char *key) {
    char section[CP_SWEEP_NAME_MAX + 8];
    snprintf(section, sizeof section, "param.%s", p->name);
    cp_config cfg = rd->sw->base;
    char assign[256];
    format_assignment(p, p->integer ? round(v) : v, assign, sizeof assign);
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    cp_status st = cp_scenario_apply(&cfg, assign, &d);
    /* A value inside the key's own range that fails here broke a cross-key
     * rule against the base's other keys, which the point itself may change
     * too: that is for the per-point check to judge, not this line. */
    bool in_range = p->boolean || (v >= p->entry->min && v <= p->entry->max);
    if (st == CP_ENOMEM)
        problem(&rd->probs, line, section, key, "out of memory");
    else if (st != CP_OK && !in_range)
        problem(&rd->probs, line, section, key, "%s: %s", assign, first_message(&d));
    cp_diagnostics_fini(&d);
}

/* Applies assignments in the given order (forward or backward). */
static cp_status apply_all(const cp_sweep *sw, size_t point, bool backward, cp_config *cfg,
                           size_t *failed, cp_diagnostics *d) {
    *cfg = sw->base;
    size_t k = sw->param_count;
    for (size_t i = 0; i < k; i++) {
        size_t j = backward ? k - 1 - i : i;
        char assign[256];
        cp_sweep_assignment(sw, point, j, assign, sizeof assign);
        cp_status st = cp_scenario_apply(cfg, assign, d);
        if (st != CP_OK) {
            *failed = j;
            return st;
        }
    }
    return CP_OK;
}

cp_status cp_sweep_point_config(const cp_sweep *sw, size_t point, cp_config *cfg, cp_error *err) {
    CP_ASSERT(point < sw->point_count);
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    size_t failed = 0;
    cp_status st = apply_all(sw, point, false, cfg, &failed, &d);
    if (st == CP_EINPUT && sw->param_count > 1) {
        cp_diagnostics other;
        cp_diagnostics_init(&other);
        size_t failed_back = 0;
        st = apply_all(sw, point, true, cfg, &failed_back, &other);
        cp_diagnostics_fini(&other);
    }
    if (st == CP_OK) {
        cp_diagnostics_fini(&d);
        return CP_OK;
    }
    if (st == CP_ENOMEM) {
        cp_diagnostics_fini(&d);
        return cp_error_set(err, CP_ENOMEM, "out of memory building point %zu", point);
    }
    /* Blame the parameter whose key the scenario layer named, if any. */
    size_t blame = failed;
    if (d.count > 0)
        for (size_t j = 0; j < sw->param_count; j++)
            if (strcasecmp(sw->params[j].section, d.items[0].section) == 0 &&
                strcasecmp(sw->params[j].key, d.items[0].key) == 0)
                blame = j;
    char values[512] = "";
    size_t used = 0;
    for (size_t j = 0; j < sw->param_count && used < sizeof values; j++) {
        char num[64];
        format_real(sw->values[point * sw->param_count + j], num, sizeof num);
        int w = snprintf(values + used, sizeof values - used, "%s%s=%s", j ? ", " : "",
                         sw->params[j].name, num);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    st = cp_error_set(
        err, CP_EINPUT, "%s:%d: [param.%s]: point %zu (%s) fails a scenario check: %s", sw->path,
        sw->params[blame].line, sw->params[blame].name, point, values, first_message(&d));
    cp_diagnostics_fini(&d);
    return st;
}

size_t cp_sweep_pairs(const cp_sweep *sw) {
    return sw->point_count * sw->replications;
}

/* Rows of the design, or 0 (with a problem reported) when too many. */
static size_t design_rows(reader *rd, size_t *grid_levels) {
    cp_sweep *sw = rd->sw;
    size_t k = sw->param_count;
    size_t n = sw->points_key;
    size_t rows = 0;
    switch (sw->design) {
    case CP_DESIGN_GRID:
        for (size_t j = 0; j < k; j++)
            grid_levels[j] =
                sw->params[j].values ? sw->params[j].value_count : sw->params[j].levels;
        rows = cp_design_grid_rows(grid_levels, k);
        if (rows == 0)
            problem(&rd->probs, sw->design_line, "sweep", "design",
                    "the grid has more than %zu points; use fewer levels or an lhs design",
                    CP_DESIGN_MAX_POINTS);
        return rows;
    case CP_DESIGN_LHS:
    case CP_DESIGN_SOBOL:
        rows = n;
        break;
    case CP_DESIGN_MORRIS:
        rows = n <= CP_DESIGN_MAX_POINTS / (k + 1) ? n * (k + 1) : 0;
        break;
    case CP_DESIGN_SALTELLI:
        rows = n <= CP_DESIGN_MAX_POINTS / (k + 2) ? n * (k + 2) : 0;
        break;
    }
    if (rows == 0)
        problem(&rd->probs, rd->keys.points, "sweep", "points", "%zu %s gives more than %zu points",
                n, sw->design == CP_DESIGN_MORRIS ? "trajectories" : "base points",
                CP_DESIGN_MAX_POINTS);
    return rows;
}

/* Fills sw->unit and sw->values. */
static void generate(reader *rd) {
    cp_sweep *sw = rd->sw;
    size_t k = sw->param_count;
    size_t *levels = calloc(k, sizeof *levels);
    unsigned *morris_levels = calloc(k, sizeof *morris_levels);
    if (!levels || !morris_levels) {
        problem(&rd->probs, 0, NULL, NULL, "out of memory");
        goto done;
    }
    size_t rows = design_rows(rd, levels);
    if (rows == 0)
        goto done;
    /* Before anything the size of the design is allocated: a design that
     * cannot fit is refused here, with its size and the memory it needs,
     * not killed by the kernel when the pages are touched. */
    cp_error merr;
    cp_error_clear(&merr);
    if (cp_sweep_design_check_memory(cp_design_name(sw->design), rows, k,
                                     cp_physical_memory_bytes(), &merr) != CP_OK) {
        bool grid = sw->design == CP_DESIGN_GRID;
        problem(&rd->probs, grid ? sw->design_line : rd->keys.points, "sweep",
                grid ? "design" : "points", "%s", merr.message);
        goto done;
    }
    sw->point_count = rows;
    sw->values = malloc(rows * k * sizeof *sw->values);
    if (!sw->values) {
        problem(&rd->probs, 0, NULL, NULL, "out of memory for %zu design points", rows);
        goto done;
    }
    if (sw->design == CP_DESIGN_GRID) {
        size_t *index = malloc(rows * k * sizeof *index);
        if (!index) {
            problem(&rd->probs, 0, NULL, NULL, "out of memory for %zu design points", rows);
            goto done;
        }
        cp_design_grid(levels, k, index);
        for (size_t i = 0; i < rows; i++) {
            for (size_t j = 0; j < k; j++) {
                const cp_sweep_param *p = &sw->params[j];
                size_t l = index[i * k + j];
                sw->values[i * k + j] =
                    p->values ? p->values[l] : map_unit(p, (double)l / (double)(levels[j] - 1));
            }
        }
        free(index);
        goto done;
    }
    sw->unit = malloc(rows * k * sizeof *sw->unit);
    if (!sw->unit) {
        problem(&rd->probs, 0, NULL, NULL, "out of memory for %zu design points", rows);
        goto done;
    }
    cp_error e;
    cp_error_clear(&e);
    cp_status st = CP_OK;
    switch (sw->design) {
    case CP_DESIGN_LHS:
        st = cp_design_lhs(sw->points_key, k, sw->seed, sw->unit, &e);
        break;
    case CP_DESIGN_SOBOL:
        st = cp_design_sobol(sw->points_key, k, sw->unit, &e);
        break;
    case CP_DESIGN_MORRIS:
        for (size_t j = 0; j < k; j++)
            morris_levels[j] = sw->params[j].levels;
        st = cp_design_morris(sw->points_key, k, morris_levels, sw->seed, sw->unit, &e);
        break;
    case CP_DESIGN_SALTELLI:
        st = cp_design_saltelli(sw->points_key, k, sw->unit, &e);
        break;
    case CP_DESIGN_GRID:
        break;
    }
    if (st != CP_OK) {
        problem(&rd->probs, sw->design_line, "sweep", "design", "%s", e.message);
        goto done;
    }
    for (size_t i = 0; i < rows * k; i++)
        sw->values[i] = map_unit(&sw->params[i % k], sw->unit[i]);
done:
    free(levels);
    free(morris_levels);
}

void cp_sweep_destroy(cp_sweep *sw) {
    if (!sw)
        return;
    for (size_t j = 0; j < sw->param_count; j++)
        free(sw->params[j].values);
    free(sw->params);
    free(sw->unit);
    free(sw->values);
    free(sw->text);
    free(sw);
}

/* dir of path (with a trailing '/'), or "" for a bare name. */
static void dir_of(const char *path, char *buf, size_t size) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        buf[0] = '\0';
    else
        snprintf(buf, size, "%.*s", (int)(slash - path + 1), path);
}

static void load_base(reader *rd, const char *base_path) {
    cp_sweep *sw = rd->sw;
    if (base_path) {
        snprintf(sw->base_path, sizeof sw->base_path, "%s", base_path);
    } else if (sw->scenario[0] == '/') {
        snprintf(sw->base_path, sizeof sw->base_path, "%s", sw->scenario);
    } else {
        char dir[CP_PATH_MAX];
        dir_of(sw->path, dir, sizeof dir);
        if ((size_t)snprintf(sw->base_path, sizeof sw->base_path, "%s%s", dir, sw->scenario) >=
            sizeof sw->base_path) {
            problem(&rd->probs, rd->keys.scenario, "sweep", "scenario", "path too long");
            return;
        }
    }
    cp_diagnostics d;
    cp_diagnostics_init(&d);
    cp_status st = cp_scenario_load(sw->base_path, NULL, 0, &sw->base, &d);
    if (st != CP_OK) {
        int line = base_path ? 0 : rd->keys.scenario;
        if (d.count == 0)
            problem(&rd->probs, line, base_path ? NULL : "sweep", base_path ? NULL : "scenario",
                    "cannot load the base scenario %s", sw->base_path);
        for (size_t i = 0; i < d.count; i++) {
            char msg[900];
            cp_diagnostic_format(&d.items[i], msg, sizeof msg);
            problem(&rd->probs, line, base_path ? NULL : "sweep", base_path ? NULL : "scenario",
                    "base scenario: %s", msg);
        }
    }
    cp_diagnostics_fini(&d);
}

cp_sweep *cp_sweep_load(const char *path, const char *base_path, bool check_points, cp_error *err) {
    cp_sweep *sw = calloc(1, sizeof *sw);
    if (!sw) {
        cp_error_set(err, CP_ENOMEM, "out of memory loading %s", path);
        return NULL;
    }
    if (strlen(path) >= sizeof sw->path) {
        free(sw);
        cp_error_set(err, CP_EINPUT, "sweep file path too long");
        return NULL;
    }
    snprintf(sw->path, sizeof sw->path, "%s", path);
    if (read_whole(path, SWEEP_FILE_MAX, &sw->text, &sw->text_len, err) != CP_OK) {
        cp_sweep_destroy(sw);
        return NULL;
    }
    if (memchr(sw->text, '\0', sw->text_len)) {
        cp_sweep_destroy(sw);
        cp_error_set(err, CP_EINPUT, "%s is not a text file (it holds NUL bytes)", path);
        return NULL;
    }
    reader rd;
    memset(&rd, 0, sizeof rd);
    rd.sw = sw;
    rd.probs.file = sw->path;
    cp_buf_init(&rd.probs.text);
    char *scratch = strdup(sw->text);
    if (!scratch) {
        cp_buf_fini(&rd.probs.text);
        cp_sweep_destroy(sw);
        cp_error_set(err, CP_ENOMEM, "out of memory loading %s", path);
        return NULL;
    }
    read_sweep_text(&rd, scratch);
    free(scratch);

    /* [sweep] as a whole */
    if (!rd.keys.section_line)
        problem(&rd.probs, 0, "sweep", NULL,
                "missing: a sweep file starts with a [sweep] "
                "section (scenario, design, points, ...)");
    else {
        if (!rd.keys.scenario && !base_path)
            problem(&rd.probs, rd.keys.section_line, "sweep", "scenario",
                    "missing: the base scenario file, relative to this file");
        if (!rd.keys.design)
            problem(&rd.probs, rd.keys.section_line, "sweep", "design",
                    "missing: grid, lhs, sobol, morris or saltelli");
        else if (sw->design == CP_DESIGN_GRID && rd.keys.points)
            problem(&rd.probs, rd.keys.points, "sweep", "points",
                    "a grid's size is the product of its parameters' levels; remove points");
        else if (sw->design != CP_DESIGN_GRID && !rd.keys.points && sw->design_line)
            problem(&rd.probs, rd.keys.section_line, "sweep", "points", "missing: %s",
                    sw->design == CP_DESIGN_MORRIS ? "the number of trajectories r"
                    : sw->design == CP_DESIGN_SALTELLI
                        ? "the base sample N (the design has N(k+2) points)"
                        : "the number of points N");
    }
    if (sw->param_count == 0 && rd.keys.section_line)
        problem(&rd.probs, 0, NULL, NULL,
                "no parameters: add a [param.NAME] section with key "
                "and a range or values");
    for (size_t j = 0; j < sw->param_count; j++)
        check_param(&rd, &sw->params[j]);
    if (sw->design == CP_DESIGN_SOBOL && sw->param_count > CP_SOBOL_MAX_DIMENSION)
        problem(&rd.probs, sw->design_line, "sweep", "design",
                "a sobol design takes at most %d parameters (GSL's Sobol sequence has %d "
                "dimensions), not %zu; use lhs",
                CP_SOBOL_MAX_DIMENSION, CP_SOBOL_MAX_DIMENSION, sw->param_count);
    if (sw->design == CP_DESIGN_SALTELLI && 2 * sw->param_count > CP_SOBOL_MAX_DIMENSION)
        problem(&rd.probs, sw->design_line, "sweep", "design",
                "a saltelli design takes at most %d parameters (it draws 2k of GSL's %d Sobol "
                "dimensions), not %zu; screen them with a morris design first",
                CP_SOBOL_MAX_DIMENSION / 2, CP_SOBOL_MAX_DIMENSION, sw->param_count);
    bool grammar_ok = rd.probs.count == 0;

    if (rd.keys.scenario || base_path)
        load_base(&rd, base_path);
    bool base_ok = rd.probs.count == 0;
    if (grammar_ok && base_ok) {
        if (!rd.keys.replications)
            sw->replications = (size_t)sw->base.replications;
        if (!rd.keys.seed)
            sw->seed = sw->base.seed;
        /* Each parameter's extremes alone, on the line that set them. */
        for (size_t j = 0; j < sw->param_count; j++) {
            const cp_sweep_param *p = &sw->params[j];
            if (p->values) {
                for (size_t i = 0; i < p->value_count; i++)
                    check_value(&rd, p, p->values[i], p->values_line, "values");
            } else {
                check_value(&rd, p, p->min, p->min_line, "min");
                check_value(&rd, p, p->max, p->max_line, "max");
            }
        }
    }
    if (rd.probs.count == 0)
        generate(&rd);
    if (rd.probs.count == 0 && check_points) {
        /* Every point as a whole: cross-key rules see combinations. Only
         * the first few failures are spelled out; they share a cause. */
        size_t failures = 0;
        for (size_t i = 0; i < sw->point_count; i++) {
            cp_config cfg;
            cp_error e;
            cp_error_clear(&e);
            cp_status st = cp_sweep_point_config(sw, i, &cfg, &e);
            if (st == CP_OK)
                continue;
            if (st != CP_EINPUT) {
                cp_buf_fini(&rd.probs.text);
                cp_sweep_destroy(sw);
                if (err)
                    *err = e;
                return NULL;
            }
            if (++failures <= 3) {
                /* e.message already starts with FILE:LINE. */
                if (rd.probs.count > 0)
                    cp_buf_puts(&rd.probs.text, "\n");
                cp_buf_puts(&rd.probs.text, e.message);
                rd.probs.count++;
            }
        }
        if (failures > 3)
            problem(&rd.probs, sw->design_line, "sweep", "design",
                    "%zu of %zu points fail the scenario checks in all", failures, sw->point_count);
    }
    if (problems_finish(&rd.probs, err) != CP_OK) {
        cp_sweep_destroy(sw);
        return NULL;
    }
    return sw;
}

/* ---- design.csv and plan.json --------------------------------------------- */

void cp_sweep_design_csv(const cp_sweep *sw, cp_buf *b) {
    cp_buf_puts(b, "point_id");
    for (size_t j = 0; j < sw->param_count; j++) {
        cp_buf_puts(b, ",");
        cp_csv_field(b, sw->params[j].name);
    }
    cp_buf_puts(b, "\n");
    for (size_t i = 0; i < sw->point_count; i++) {
        cp_buf_printf(b, "%zu", i);
        for (size_t j = 0; j < sw->param_count; j++)
            cp_buf_printf(b, ",%.17g", sw->values[i * sw->param_count + j]);
        cp_buf_puts(b, "\n");
    }
}

static void plan_json(const cp_sweep *sw, const char *base_ini, cp_buf *b) {
    cp_buf_puts(b, "{\n  \"cpsim_version\": ");
#ifdef CPSIM_VERSION
    cp_json_string(b, CPSIM_VERSION);
#else
    cp_json_string(b, "unknown");
#endif
    cp_buf_puts(b, ",\n  \"sweep_file\": ");
    cp_json_string(b, sw->path);
    cp_buf_puts(b, ",\n  \"scenario\": ");
    cp_json_string(b, sw->scenario);
    cp_buf_printf(b,
                  ",\n  \"design\": \"%s\",\n  \"points_key\": %zu,\n  \"points\": %zu,\n"
                  "  \"replications\": %zu,\n  \"pairs\": %zu,\n  \"seed\": %" PRIu64 ",\n"
                  "  \"outcomes\": [",
                  cp_design_name(sw->design), sw->points_key, sw->point_count, sw->replications,
                  cp_sweep_pairs(sw), sw->seed);
    for (size_t i = 0; i < sw->outcome_count; i++) {
        cp_buf_puts(b, i ? ", " : "");
        cp_json_string(b, cp_outcome_info_get((cp_outcome_id)sw->outcomes[i])->name);
    }
    cp_buf_puts(b, "],\n  \"parameters\": [");
    for (size_t j = 0; j < sw->param_count; j++) {
        const cp_sweep_param *p = &sw->params[j];
        cp_buf_puts(b, j ? ",\n    {\"name\": " : "\n    {\"name\": ");
        cp_json_string(b, p->name);
        cp_buf_printf(b, ", \"key\": \"%s.%s\", \"type\": \"%s\"", p->section, p->key,
                      cp_schema_type_name(p->entry));
        if (p->values) {
            cp_buf_puts(b, ", \"values\": [");
            for (size_t i = 0; i < p->value_count; i++) {
                cp_buf_puts(b, i ? ", " : "");
                cp_json_number(b, p->values[i]);
            }
            cp_buf_puts(b, "]");
        } else {
            cp_buf_puts(b, ", \"min\": ");
            cp_json_number(b, p->min);
            cp_buf_puts(b, ", \"max\": ");
            cp_json_number(b, p->max);
            cp_buf_printf(b, ", \"scale\": \"%s\"", scale_name(p->scale));
            if (p->levels)
                cp_buf_printf(b, ", \"levels\": %u", p->levels);
        }
        cp_buf_puts(b, "}");
    }
    cp_buf_puts(b, "\n  ],\n  \"files\": [\"design.csv\", \"sweep.ini\", \"base.ini\", "
                   "\"shards/\"],\n  \"base_scenario\": ");
    cp_json_string(b, base_ini);
    cp_buf_puts(b, "\n}\n");
}

static bool same_file(const char *dir, const char *name, const char *data, size_t len) {
    char path[CP_PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return false;
    char *text;
    size_t n;
    if (read_whole(path, (size_t)1 << 34, &text, &n, NULL) != CP_OK)
        return false;
    bool same = n == len && memcmp(text, data, len) == 0;
    free(text);
    return same;
}

static cp_status make_dir(const char *path, cp_error *err) {
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            return CP_OK;
        return cp_error_set(err, CP_EIO, "cannot create %s: a file of that name is in the way",
                            path);
    }
    return cp_error_set(err, CP_EIO, "cannot create %s: %s", path, strerror(errno));
}

cp_status cp_sweep_plan_write(const cp_sweep *sw, const char *dir, bool *unchanged, cp_error *err) {
    *unchanged = false;
    char *base_ini = cp_scenario_to_ini(&sw->base);
    if (!base_ini)
        return cp_error_set(err, CP_ENOMEM, "out of memory writing the plan");
    cp_buf bufs[4];
    for (int i = 0; i < 4; i++)
        cp_buf_init(&bufs[i]);
    const char *names[4] = {"base.ini", "sweep.ini", "design.csv", "plan.json"};
    cp_buf_puts(&bufs[0], base_ini);
    cp_buf_append(&bufs[1], sw->text, sw->text_len);
    cp_sweep_design_csv(sw, &bufs[2]);
    plan_json(sw, base_ini, &bufs[3]);
    free(base_ini);
    cp_status st = CP_OK;
    for (int i = 0; i < 4; i++)
        if (bufs[i].failed)
            st = cp_error_set(err, CP_ENOMEM, "out of memory writing the plan");
    char path[CP_PATH_MAX];
    if (st == CP_OK && (size_t)snprintf(path, sizeof path, "%s/plan.json", dir) >= sizeof path)
        st = cp_error_set(err, CP_EINPUT, "path too long: %s", dir);
    struct stat sb;
    if (st == CP_OK && stat(path, &sb) == 0) {
        /* plan.json is committed last, so its presence means a whole plan. */
        const char *differs = NULL;
        for (int i = 0; i < 3 && !differs; i++)
            if (!same_file(dir, names[i], bufs[i].data, bufs[i].len))
                differs = names[i];
        if (differs)
            st = cp_error_set(err, CP_EINPUT,
                              "%s already holds a different plan (%s differs); its shards "
                              "belong to that plan. Plan into a new folder, or delete %s first",
                              dir, differs, dir);
        else
            *unchanged = true;
    } else if (st == CP_OK) {
        st = cp_output_dir_prepare(dir, err);
        if (st == CP_OK)
            st = cp_files_write_atomic(dir, names, bufs, 4, err);
    }
    if (st == CP_OK) {
        if ((size_t)snprintf(path, sizeof path, "%s/shards", dir) >= sizeof path)
            st = cp_error_set(err, CP_EINPUT, "path too long: %s", dir);
        else
            st = make_dir(path, err);
    }
    for (int i = 0; i < 4; i++)
        cp_buf_fini(&bufs[i]);
    return st;
}

cp_sweep *cp_sweep_plan_open(const char *dir, cp_error *err) {
    char plan[CP_PATH_MAX], sweep_ini[CP_PATH_MAX], base_ini[CP_PATH_MAX];
    if ((size_t)snprintf(plan, sizeof plan, "%s/plan.json", dir) >= sizeof plan ||
        (size_t)snprintf(sweep_ini, sizeof sweep_ini, "%s/sweep.ini", dir) >= sizeof sweep_ini ||
        (size_t)snprintf(base_ini, sizeof base_ini, "%s/base.ini", dir) >= sizeof base_ini) {
        cp_error_set(err, CP_EINPUT, "path too long: %s", dir);
        return NULL;
    }
    struct stat sb;
    if (stat(plan, &sb) != 0) {
        cp_error_set(err, CP_EINPUT,
                     "%s is not a sweep plan (no plan.json): make one with `cpsim plan SWEEP "
                     "--out %s`",
                     dir, dir);
        return NULL;
    }
    cp_sweep *sw = cp_sweep_load(sweep_ini, base_ini, false, err);
    if (!sw)
        return NULL;
    cp_buf b;
    cp_buf_init(&b);
    cp_sweep_design_csv(sw, &b);
    if (b.failed) {
        cp_buf_fini(&b);
        cp_sweep_destroy(sw);
        cp_error_set(err, CP_ENOMEM, "out of memory opening %s", dir);
        return NULL;
    }
    bool same = same_file(dir, "design.csv", b.data, b.len);
    cp_buf_fini(&b);
    if (!same) {
        cp_sweep_destroy(sw);
        cp_error_set(err, CP_EINPUT,
                     "%s/design.csv is not the design %s/sweep.ini generates (was it edited, or "
                     "planned by a different cpsim?); plan again into a new folder",
                     dir, dir);
        return NULL;
    }
    return sw;
}
