/* cpsim/scenario.h: INI scenario files -> validated cp_config.
 *
 * Contract
 * - One schema table (sim/scenario/schema.c) lists every key: section, key,
 *   type, unit, range or choices, default, one-line description, and where in
 *   cp_config it lands. Loading, validation, `cpsim keys` and the scenario
 *   reference in docs/ are all driven by it.
 * - Values are read as strings and parsed here, strictly: no octal, no
 *   trailing garbage, no NaN or infinities, booleans only as
 *   true/false/yes/no/on/off/1/0.
 * - Every problem in a file is reported in one pass, each as a diagnostic
 *   naming file, line, section and key, what was wrong and what is allowed.
 *   Unknown keys and sections are errors with the nearest valid name
 *   suggested. A UTF-8 byte-order mark and CRLF line ends are accepted.
 * - `--set section.key=value` overrides pass through the same checks
 *   (reported with file "--set" and line 0).
 * - Cross-key rules (risk shares that sum to 1, routing shares that do not
 *   exceed 1 and so on; cp_scenario_rule_text lists them) are checked after
 *   all keys are read.
 * Errors are values: functions return CP_EINPUT with diagnostics filled in,
 * CP_ENOMEM or CP_EIO otherwise; nothing here prints or exits.
 */
#ifndef CPSIM_SCENARIO_H
#define CPSIM_SCENARIO_H

#include "cpsim/config.h"
#include "cpsim/error.h"

#include <stddef.h>

typedef struct cp_diagnostic {
    char file[256];
    int line;          /* 0 when not tied to a line (e.g. a missing key rule) */
    char section[64];
    char key[64];
    char message[512]; /* what was wrong and what is allowed */
} cp_diagnostic;

typedef struct cp_diagnostics {
    size_t errors;   /* errors found, shown or not (count may be capped, and may hold a note) */
    size_t count;
    size_t capacity;
    cp_diagnostic *items;
} cp_diagnostics;

void cp_diagnostics_init(cp_diagnostics *diags);
void cp_diagnostics_fini(cp_diagnostics *diags);
/* Formats one diagnostic as "FILE:LINE: [section] key: message". */
void cp_diagnostic_format(const cp_diagnostic *d, char *buf, size_t size);

typedef enum cp_value_type {
    CP_TYPE_INT,
    CP_TYPE_UINT64,
    CP_TYPE_REAL,
    CP_TYPE_BOOL,
    CP_TYPE_CHOICE,
    CP_TYPE_REAL_LIST,
    CP_TYPE_STRING
} cp_value_type;

typedef struct cp_schema_entry {
    const char *section;
    const char *key;
    cp_value_type type;
    const char *unit;
    double min, max;      /* inclusive range for numbers */
    const char *choices;  /* for CP_TYPE_CHOICE: "lognormal|gamma" */
    int list_length;      /* for CP_TYPE_REAL_LIST */
    const char *default_text; /* default as it would be written in the file */
    const char *description;
    const char *source;   /* where the default comes from, or "assumption" */
    size_t offset;        /* offsetof(cp_config, field) */
} cp_schema_entry;

size_t cp_schema_count(void);
const cp_schema_entry *cp_schema_at(size_t index);
/* Finds "section.key"; shock sections ("shock.NAME.key") map to the shock
 * template entries. Returns NULL if unknown. */
const cp_schema_entry *cp_schema_find(const char *section, const char *key);
/* A human-readable range or choices text for an entry, e.g. "[0, 1]". */
void cp_schema_range_text(const cp_schema_entry *entry, char *buf, size_t size);
/* The type as `cpsim keys` prints it: "int", "uint64", "real", "bool",
 * "choice", "real[12]" (a list of 12 reals), "string". */
const char *cp_schema_type_name(const cp_schema_entry *entry);
/* True for the shock template entries (section "shock.NAME"), whose offset
 * is into cp_shock_config rather than cp_config. */
bool cp_schema_is_shock(const cp_schema_entry *entry);

/* The cross-key rules, one sentence each (for docs and `cpsim keys
 * --markdown`); index past the end gives NULL. */
size_t cp_scenario_rule_count(void);
const char *cp_scenario_rule_text(size_t index);

/* Fills cfg with every default; zeroes it first, padding included, so
 * configs with equal values compare equal with memcmp. */
void cp_config_defaults(cp_config *cfg);

/* Loads path (may be NULL for defaults only), applies the `--set`
 * assignments in order ("section.key=value"), then checks cross-key rules.
 * Returns CP_OK, or CP_EINPUT with every problem appended to diags (which
 * may be NULL); a missing, unreadable or directory path is CP_EINPUT with one
 * diagnostic, a failed read CP_EIO. cfg is written only on CP_OK. */
cp_status cp_scenario_load(const char *path, const char *const *sets, size_t set_count,
                           cp_config *cfg, cp_diagnostics *diags);

/* The same as cp_scenario_load, for a scenario text already in memory:
 * data[0 .. len) holds the file's bytes (any bytes: NULs, invalid UTF-8 and
 * texts over the 1 MiB limit are reported, never trusted) and name is the
 * file name diagnostics carry (NULL: "(buffer)"). data NULL means no file:
 * the defaults and the assignments only. cp_scenario_load reads its file
 * and calls this, so both check exactly the same things. data is not
 * modified. */
cp_status cp_scenario_load_buffer(const char *name, const char *data, size_t len,
                                  const char *const *sets, size_t set_count, cp_config *cfg,
                                  cp_diagnostics *diags);

/* Applies one "section.key=value" to an already loaded cfg, with the same
 * checks (used by sweeps and the live page); cross-key rules are re-checked.
 * On failure cfg is left exactly as it was. */
cp_status cp_scenario_apply(cp_config *cfg, const char *assignment, cp_diagnostics *diags);

/* Writes the whole config as a normalised INI text (every key, schema order,
 * canonical number formatting) to a newly allocated string the caller frees,
 * or NULL when out of memory. Loading that text gives back an identical
 * cp_config (numbers are printed with the fewest of 15-17 significant digits
 * that read back to the same double). */
char *cp_scenario_to_ini(const cp_config *cfg);

#endif
