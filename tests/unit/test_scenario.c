/* test_scenario.c: the scenario layer: schema, strict values, file loading,
 * --set, cross-key rules and the to_ini round trip.
 *
 * The invalid-file catalogue lives in tests/fixtures/invalid: each NAME.ini
 * has a NAME.expect sidecar listing, in order, every diagnostic the file
 * must produce (line, section, key, and a substring of the message). The
 * test requires exactly those diagnostics, so a fixture also proves that no
 * spurious error is reported and that every error of a file comes out in
 * one pass. Valid files live in tests/fixtures/valid and must load cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpsim/scenario.h"
#include "scenario/scenario_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURES CPSIM_SOURCE_DIR "/tests/fixtures"

/* ---- helpers ------------------------------------------------------------ */

static void *field_of(cp_config *cfg, const cp_schema_entry *e) {
    return (char *)cfg + e->offset;
}

static void print_diags(const cp_diagnostics *diags) {
    char line[1200];
    for (size_t i = 0; i < diags->count; i++) {
        cp_diagnostic_format(&diags->items[i], line, sizeof line);
        print_message("  diagnostic: %s\n", line);
    }
}

static cp_status load(const char *path, const char *const *sets, size_t set_count, cp_config *cfg,
                      cp_diagnostics *diags) {
    cp_diagnostics_init(diags);
    memset(cfg, 0x5A, sizeof *cfg); /* load must overwrite all of it, padding included */
    return cp_scenario_load(path, sets, set_count, cfg, diags);
}

/* True if some diagnostic has this key and a message containing text. */
static bool has_diag(const cp_diagnostics *diags, const char *key, const char *text) {
    for (size_t i = 0; i < diags->count; i++)
        if ((!key || strcmp(diags->items[i].key, key) == 0) &&
            strstr(diags->items[i].message, text))
            return true;
    return false;
}

/* Sorted list of the files in dir ending in suffix; caller frees. */
static size_t list_files(const char *dir, const char *suffix, char ***names) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t count = 0, capacity = 0;
    *names = NULL;
    struct dirent *ent;
    size_t suffix_length = strlen(suffix);
    while ((ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n <= suffix_length || strcmp(ent->d_name + n - suffix_length, suffix) != 0)
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            *names = realloc(*names, capacity * sizeof **names);
            assert_non_null(*names);
        }
        (*names)[count] = strdup(ent->d_name);
        assert_non_null((*names)[count]);
        count++;
    }
    closedir(d);
    for (size_t i = 1; i < count; i++) /* insertion sort: a few dozen names */
        for (size_t j = i; j > 0 && strcmp((*names)[j - 1], (*names)[j]) > 0; j--) {
            char *t = (*names)[j];
            (*names)[j] = (*names)[j - 1];
            (*names)[j - 1] = t;
        }
    return count;
}

static void free_names(char **names, size_t count) {
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* ---- schema ------------------------------------------------------------- */

static void defaults_load_and_pass_validation(void **state) {
    (void)state;
    cp_config loaded, defaults;
    cp_diagnostics diags;
    assert_int_equal(load(NULL, NULL, 0, &loaded, &diags), CP_OK);
    print_diags(&diags);
    assert_int_equal(diags.count, 0);
    cp_config_defaults(&defaults);
    assert_memory_equal(&loaded, &defaults, sizeof defaults);
    assert_int_equal(defaults.shock_count, 0);
    assert_int_equal(defaults.replications, 10);
    assert_true(defaults.seed == 20261122u);
    assert_true(defaults.social_workers == 10.0);
    assert_true(defaults.stage[CP_STAGE_S47].duration_dist == CP_DIST_GAMMA);
    assert_true(defaults.stage[CP_STAGE_ASSESSMENT].duration_dist == CP_DIST_LOGNORMAL);
    assert_true(defaults.seasonal[7] == 0.75);
    assert_true(defaults.harm_rate[2] == 0.003);
    assert_true(defaults.mech_harm && !defaults.mech_inspection);
    cp_diagnostics_fini(&diags);
}

static bool in_range(const cp_schema_entry *e, double v) {
    return v >= e->min && v <= e->max;
}

static void check_field_in_range(const cp_schema_entry *e, const void *field) {
    switch (e->type) {
    case CP_TYPE_REAL: {
        double v;
        memcpy(&v, field, sizeof v);
        if (!in_range(e, v))
            fail_msg("default of %s.%s (%g) is outside [%g, %g]", e->section, e->key, v, e->min,
                     e->max);
        break;
    }
    case CP_TYPE_INT: {
        int v;
        memcpy(&v, field, sizeof v);
        if (!in_range(e, v))
            fail_msg("default of %s.%s (%d) is outside its range", e->section, e->key, v);
        break;
    }
    case CP_TYPE_REAL_LIST:
        for (int i = 0; i < e->list_length; i++) {
            double v;
            memcpy(&v, (const char *)field + (size_t)i * sizeof v, sizeof v);
            if (!in_range(e, v))
                fail_msg("default item %d of %s.%s is outside its range", i, e->section, e->key);
        }
        break;
    case CP_TYPE_CHOICE: {
        int v;
        memcpy(&v, field, sizeof v);
        assert_true(v == CP_DIST_LOGNORMAL || v == CP_DIST_GAMMA);
        break;
    }
    case CP_TYPE_BOOL:
    case CP_TYPE_UINT64:
    case CP_TYPE_STRING:
        break;
    }
}

static void every_default_is_inside_its_range(void **state) {
    (void)state;
    cp_config cfg;
    cp_config_defaults(&cfg);
    cp_shock_config shock;
    scenario_shock_defaults(&shock, "x");
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        if (cp_schema_is_shock(e))
            check_field_in_range(e, (const char *)&shock + e->offset);
        else
            check_field_in_range(e, field_of(&cfg, e));
    }
}

static void every_schema_entry_is_documented_and_unique(void **state) {
    (void)state;
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        assert_non_null(e->unit);
        assert_true(e->default_text && e->default_text[0]);
        assert_true(e->description && strlen(e->description) > 10);
        assert_true(e->source && e->source[0]);
        assert_null(strchr(e->description, '\t'));
        assert_null(strchr(e->description, '\n'));
        assert_true(e->min <= e->max);
        if (e->type == CP_TYPE_CHOICE)
            assert_non_null(e->choices);
        for (size_t j = 0; j < i; j++) {
            const cp_schema_entry *f = cp_schema_at(j);
            assert_false(strcmp(e->section, f->section) == 0 && strcmp(e->key, f->key) == 0);
            /* Sections are contiguous: once left, a section never comes back. */
            if (strcmp(e->section, f->section) == 0)
                assert_string_equal(cp_schema_at(i - 1)->section, e->section);
        }
        assert_ptr_equal(cp_schema_find(e->section, e->key), e);
    }
    assert_null(cp_schema_at(cp_schema_count()));
}

/* Every byte of cp_config is either a schema field, the shock array, or
 * padding; padding only ever follows a field narrower than 8 bytes and
 * ends before an 8-byte-aligned offset. A field missing from the table
 * would leave a gap that breaks one of these. */
static void schema_covers_every_config_field(void **state) {
    (void)state;
    unsigned char covered[sizeof(cp_config)];
    memset(covered, 0, sizeof covered);
    size_t ends_narrow[sizeof(cp_config) + 1];
    memset(ends_narrow, 0, sizeof ends_narrow);
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        if (cp_schema_is_shock(e))
            continue;
        size_t size = scenario_field_size(e);
        assert_true(size > 0 && e->offset + size <= sizeof(cp_config));
        for (size_t b = e->offset; b < e->offset + size; b++) {
            assert_int_equal(covered[b], 0); /* no two entries share a byte */
            covered[b] = 1;
        }
        ends_narrow[e->offset + size] = size < 8;
    }
    for (size_t b = offsetof(cp_config, shock_count);
         b < offsetof(cp_config, shocks) + sizeof(((cp_config *)0)->shocks); b++)
        covered[b] = 1;
    ends_narrow[offsetof(cp_config, shock_count) + sizeof(int)] = 1;
    for (size_t b = 0; b < sizeof(cp_config);) {
        if (covered[b]) {
            b++;
            continue;
        }
        size_t start = b;
        while (b < sizeof(cp_config) && !covered[b])
            b++;
        if (!ends_narrow[start] || b - start >= 8 || (b % 8 != 0 && b != sizeof(cp_config)))
            fail_msg("bytes %zu..%zu of cp_config are not covered by the schema", start, b);
    }
    /* Shock entries cover cp_shock_config after its name. */
    size_t shock_bytes = 0;
    for (size_t i = 0; i < cp_schema_count(); i++)
        if (cp_schema_is_shock(cp_schema_at(i)))
            shock_bytes += scenario_field_size(cp_schema_at(i));
    assert_int_equal(shock_bytes + CP_SHOCK_NAME_MAX, sizeof(cp_shock_config));
}

/* config.h names each field's key in its comment ("simulation.years");
 * every such key must be in the schema with a matching type, and the
 * schema must have no plain key that config.h does not name. (The stage
 * and shock structs use ".key" comments, covered by the template entries
 * and by the compile-time type checks in schema.c.) */
static void every_key_named_in_config_h_is_in_the_schema(void **state) {
    (void)state;
    FILE *f = fopen(CPSIM_SOURCE_DIR "/include/cpsim/config.h", "r");
    assert_non_null(f);
    char line[512];
    size_t named = 0;
    while (fgets(line, sizeof line, f)) {
        char type[32], field[64], section[64], key[64];
        if (sscanf(line, " %31s %63[^;]; /* %63[a-z0-9_].%63[a-z0-9_]", type, field, section,
                   key) != 4)
            continue;
        const cp_schema_entry *e = cp_schema_find(section, key);
        if (!e)
            fail_msg("config.h names %s.%s (field %s) but the schema has no such key", section, key,
                     field);
        named++;
        cp_value_type want = strcmp(type, "int") == 0        ? CP_TYPE_INT
                             : strcmp(type, "bool") == 0     ? CP_TYPE_BOOL
                             : strcmp(type, "uint64_t") == 0 ? CP_TYPE_UINT64
                             : strchr(field, '[')            ? CP_TYPE_REAL_LIST
                                                             : CP_TYPE_REAL;
        if (e->type != want)
            fail_msg("%s.%s is declared %s %s in config.h but has schema type %s", section, key,
                     type, field, cp_schema_type_name(e));
    }
    fclose(f);
    size_t plain = 0;
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        if (!cp_schema_is_shock(e) && e->type != CP_TYPE_CHOICE &&
            strcmp(e->section, "assessment") && strcmp(e->section, "s47") &&
            strcmp(e->section, "cin") && strcmp(e->section, "cp") &&
            strcmp(e->section, "proceedings"))
            plain++;
    }
    assert_int_equal(named, plain);
}

static void schema_find_resolves_shock_sections_to_the_template(void **state) {
    (void)state;
    const cp_schema_entry *e = cp_schema_find("shock.babyp", "start_years");
    assert_non_null(e);
    assert_true(cp_schema_is_shock(e));
    assert_string_equal(e->section, "shock.NAME");
    assert_int_equal(e->offset, offsetof(cp_shock_config, start_years));
    assert_ptr_equal(cp_schema_find("SHOCK.Other", "Arrival_Multiplier"),
                     cp_schema_find("shock.NAME", "arrival_multiplier"));
    assert_null(cp_schema_find("shock", "start_years"));
    assert_null(cp_schema_find("shock.", "start_years"));
    assert_null(cp_schema_find("shock.babyp", "years"));
    assert_non_null(cp_schema_find("TEAM", "Social_Workers"));
    assert_null(cp_schema_find("team", "cap_cases"));
    assert_null(cp_schema_find(NULL, "x"));
}

static void range_text_and_type_names_read_well(void **state) {
    (void)state;
    char buf[200];
    cp_schema_range_text(cp_schema_find("team", "social_workers"), buf, sizeof buf);
    assert_string_equal(buf, "[0.5, 1000000]");
    cp_schema_range_text(cp_schema_find("cp", "duration_dist"), buf, sizeof buf);
    assert_string_equal(buf, "lognormal|gamma");
    cp_schema_range_text(cp_schema_find("simulation", "seed"), buf, sizeof buf);
    assert_string_equal(buf, "[0, 18446744073709551615]");
    cp_schema_range_text(cp_schema_find("worker", "permanent_cost_per_year"), buf, sizeof buf);
    assert_string_equal(buf, "[0, 10000000]");
    assert_string_equal(cp_schema_type_name(cp_schema_find("demand", "seasonal")), "real[12]");
    assert_string_equal(cp_schema_type_name(cp_schema_find("harm", "rate")), "real[3]");
    assert_string_equal(cp_schema_type_name(cp_schema_find("mechanisms", "harm")), "bool");
    assert_true(cp_scenario_rule_count() >= 4);
    assert_non_null(cp_scenario_rule_text(0));
    assert_null(cp_scenario_rule_text(cp_scenario_rule_count()));
}

/* ---- values ------------------------------------------------------------- */

typedef struct value_case {
    const char *section, *key, *text;
    bool ok;
    double expected;     /* for numbers */
    const char *message; /* substring when !ok */
} value_case;

static void strict_values_accept_what_they_should_and_nothing_else(void **state) {
    (void)state;
    static const value_case cases[] = {
        {"demand", "referrals_per_week", "12", true, 12, NULL},
        {"demand", "referrals_per_week", "12.5", true, 12.5, NULL},
        {"demand", "referrals_per_week", ".5", true, 0.5, NULL},
        {"demand", "referrals_per_week", "5.", true, 5, NULL},
        {"demand", "referrals_per_week", "+7", true, 7, NULL},
        {"demand", "referrals_per_week", "1e3", true, 1000, NULL},
        {"demand", "referrals_per_week", "1E+03", true, 1000, NULL},
        {"demand", "referrals_per_week", "0", true, 0, NULL},
        {"demand", "referrals_per_week", "0.0", true, 0, NULL},
        {"demand", "growth_per_year", "-0.5", true, -0.5, NULL},
        {"demand", "growth_per_year", "1e-05", true, 1e-5, NULL},
        {"demand", "referrals_per_week", "100000", true, 100000, NULL},
        {"demand", "referrals_per_week", "100000.0001", false, 0, "out of range"},
        {"demand", "referrals_per_week", "-0.001", false, 0, "out of range"},
        {"demand", "referrals_per_week", "twelve", false, 0, "is not a number"},
        {"demand", "referrals_per_week", "12,5", false, 0, "unexpected \",5\""},
        {"demand", "referrals_per_week", " 12", false, 0, "is not a number"},
        {"demand", "referrals_per_week", "nan(1)", false, 0, "NaN and infinities"},
        {"demand", "referrals_per_week", "+inf", false, 0, "NaN and infinities"},
        {"demand", "referrals_per_week", "-nan", false, 0, "NaN and infinities"},
        {"demand", "referrals_per_week", "1e999999", false, 0, "too large"},
        {"demand", "referrals_per_week", "012", false, 0, "leading zeros are not allowed"},
        {"demand", "referrals_per_week", "0x1A", false, 0, "hexadecimal"},
        {"demand", "referrals_per_week", "1e", false, 0, "unexpected \"e\""},
        {"demand", "referrals_per_week", "", false, 0, "empty value"},
        {"simulation", "replications", "1000000", true, 1000000, NULL},
        {"simulation", "replications", "0", false, 0, "out of range"},
        {"simulation", "replications", "2.0", false, 0, "not a whole number"},
        {"simulation", "replications", "-3", false, 0, "out of range"},
        {"simulation", "replications", "08", false, 0, "leading zero"},
        {"team", "team_managers", "1", true, 1, NULL},
        {"simulation", "seed", "0", true, 0, NULL},
        {"simulation", "seed", "18446744073709551615", true, 18446744073709551615.0, NULL},
        {"simulation", "seed", "0xFFFFFFFFFFFFFFFF", true, 18446744073709551615.0, NULL},
        {"simulation", "seed", "0x10000000000000000", false, 0, "too large"},
        {"simulation", "seed", "0x", false, 0, "is not a number"},
        {"simulation", "seed", "007", false, 0, "leading zero"},
        {"simulation", "seed", "1.5", false, 0, "not a whole number"},
        {"simulation", "seed", "12abc", false, 0, "is not a number"},
        {"simulation", "seed", "inf", false, 0, "NaN and infinities"},
        {"mechanisms", "harm", "on", true, 1, NULL},
        {"mechanisms", "harm", "Off", true, 0, NULL},
        {"mechanisms", "harm", "YES", true, 1, NULL},
        {"mechanisms", "harm", "0", true, 0, NULL},
        {"mechanisms", "harm", "t", false, 0, "is not a boolean"},
        {"mechanisms", "harm", "truee", false, 0, "did you mean \"true\""},
        {"mechanisms", "harm", "flase", false, 0, "did you mean \"false\""},
        {"cp", "duration_dist", "GAMMA", true, CP_DIST_GAMMA, NULL},
        {"cp", "duration_dist", "lognormal", true, CP_DIST_LOGNORMAL, NULL},
        {"cp", "duration_dist", "gama", false, 0, "did you mean \"gamma\""},
        {"demand", "risk_mix", "0.2,0.3,0.5", true, 0.2, NULL},
        {"demand", "risk_mix", "0.2 0.3", false, 0, "expected 3 numbers, got 2"},
        {"demand", "risk_mix", "0.2 x y", false, 0, "(and 1 more bad items)"},
    };
    char msg[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const value_case *c = &cases[i];
        const cp_schema_entry *e = cp_schema_find(c->section, c->key);
        assert_non_null(e);
        unsigned char field[sizeof(double) * CP_MONTHS];
        memset(field, 0xEE, sizeof field);
        bool ok = scenario_parse_value(e, c->text, field, msg, sizeof msg);
        if (ok != c->ok)
            fail_msg("%s.%s = \"%s\": expected %s, got %s (%s)", c->section, c->key, c->text,
                     c->ok ? "ok" : "an error", ok ? "ok" : "an error", msg);
        if (!ok) {
            if (!strstr(msg, c->message))
                fail_msg("%s.%s = \"%s\": message \"%s\" lacks \"%s\"", c->section, c->key, c->text,
                         msg, c->message);
            for (size_t b = 0; b < sizeof field; b++)
                assert_int_equal(field[b], 0xEE); /* a failure leaves the field alone */
            continue;
        }
        double got = 0;
        switch (e->type) {
        case CP_TYPE_REAL:
        case CP_TYPE_REAL_LIST: {
            memcpy(&got, field, sizeof got);
            break;
        }
        case CP_TYPE_INT:
        case CP_TYPE_CHOICE: {
            int v;
            memcpy(&v, field, sizeof v);
            got = v;
            break;
        }
        case CP_TYPE_UINT64: {
            uint64_t v;
            memcpy(&v, field, sizeof v);
            got = (double)v;
            break;
        }
        case CP_TYPE_BOOL: {
            bool v;
            memcpy(&v, field, sizeof v);
            got = v;
            break;
        }
        case CP_TYPE_STRING:
            break;
        }
        if (got != c->expected)
            fail_msg("%s.%s = \"%s\": read %g, expected %g", c->section, c->key, c->text, got,
                     c->expected);
    }
}

static void suggestions_forgive_one_typo_but_not_nonsense(void **state) {
    (void)state;
    assert_int_equal(scenario_edit_distance("ture", "true"), 1);           /* transposition */
    assert_int_equal(scenario_edit_distance("refferals", "referrals"), 2); /* f out, r in */
    assert_int_equal(scenario_edit_distance("social_worker", "social_workers"), 1);
    assert_int_equal(scenario_edit_distance("ABC", "abc"), 0);
    assert_int_equal(scenario_edit_distance("", "abc"), 3);
    scenario_suggester s;
    scenario_suggest_init(&s, "social_worker");
    scenario_suggest_consider(&s, "team_managers");
    scenario_suggest_consider(&s, "social_workers");
    assert_string_equal(scenario_suggest_result(&s), "social_workers");
    scenario_suggest_init(&s, "flux_capacitor");
    scenario_suggest_consider(&s, "social_workers");
    assert_null(scenario_suggest_result(&s));
}

static void real_numbers_are_printed_shortest_and_exact(void **state) {
    (void)state;
    char buf[64];
    scenario_format_real(0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    scenario_format_real(0.1 + 0.2, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == 0.1 + 0.2);
    scenario_format_real(1e-5, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == 1e-5);
    scenario_format_real(1.0 / 3.0, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == 1.0 / 3.0);
}

/* ---- files -------------------------------------------------------------- */

static void full_valid_fixture_loads_with_its_values(void **state) {
    (void)state;
    cp_config cfg, defaults;
    cp_diagnostics diags;
    cp_status status = load(FIXTURES "/valid/full.ini", NULL, 0, &cfg, &diags);
    print_diags(&diags);
    assert_int_equal(status, CP_OK);
    cp_config_defaults(&defaults);
    /* The fixture sets every key to a non-default value: each must land. */
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        if (cp_schema_is_shock(e))
            continue;
        size_t size = scenario_field_size(e);
        if (memcmp(field_of(&cfg, e), field_of(&defaults, e), size) == 0)
            fail_msg("%s.%s still has its default after loading full.ini", e->section, e->key);
    }
    assert_true(cfg.years == 5.5);
    assert_int_equal(cfg.replications, 11);
    assert_true(cfg.seed == 0xDEADBEEFu);
    assert_true(cfg.referrals_per_week == 11.0);
    assert_true(cfg.risk_mix[0] == 0.5 && cfg.risk_mix[1] == 0.35 && cfg.risk_mix[2] == 0.15);
    assert_true(cfg.seasonal[7] == 0.7);
    assert_true(cfg.single_stage);
    assert_false(cfg.care_order_leaves_team);
    assert_true(cfg.stage[CP_STAGE_ASSESSMENT].duration_dist == CP_DIST_GAMMA);
    assert_true(cfg.stage[CP_STAGE_S47].duration_dist == CP_DIST_LOGNORMAL);
    assert_true(cfg.stage[CP_STAGE_PROCEEDINGS].weight == 2.75);
    assert_int_equal(cfg.team_managers, 2);
    assert_int_equal(cfg.nqsw_cohort_month, 10);
    assert_true(cfg.caseload_target == 16.0);
    assert_true(cfg.market_tightness == 1.1);
    assert_true(cfg.mech_inspection && !cfg.mech_harm);
    assert_int_equal(cfg.shock_count, 2);
    assert_string_equal(cfg.shocks[0].name, "babyp");
    assert_true(cfg.shocks[0].start_years == 1.5);
    assert_string_equal(cfg.shocks[1].name, "covid-19");
    assert_true(cfg.shocks[1].arrival_multiplier == 0.6);
    cp_diagnostics_fini(&diags);
}

static void every_valid_fixture_loads_cleanly(void **state) {
    (void)state;
    char **names;
    size_t count = list_files(FIXTURES "/valid", ".ini", &names);
    assert_true(count >= 4);
    for (size_t i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/valid/%s", FIXTURES, names[i]);
        cp_config cfg;
        cp_diagnostics diags;
        cp_status status = load(path, NULL, 0, &cfg, &diags);
        if (status != CP_OK || diags.count != 0) {
            print_diags(&diags);
            fail_msg("%s should be valid", names[i]);
        }
        cp_diagnostics_fini(&diags);
    }
    free_names(names, count);
}

static void bom_and_crlf_are_accepted(void **state) {
    (void)state;
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(FIXTURES "/valid/bom-and-crlf-ok.ini", NULL, 0, &cfg, &diags), CP_OK);
    assert_true(cfg.social_workers == 12.5);
    assert_int_equal(cfg.team_managers, 2);
    assert_true(cfg.cap_cases == 20.0);
    cp_diagnostics_fini(&diags);
}

static void comments_quotes_and_case_are_accepted(void **state) {
    (void)state;
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(FIXTURES "/valid/comments-and-quotes.ini", NULL, 0, &cfg, &diags), CP_OK);
    assert_true(cfg.years == 7.0);
    assert_int_equal(cfg.replications, 20);
    assert_true(cfg.seed == 31u);
    assert_true(cfg.referrals_per_week == 12.5);
    assert_true(cfg.seasonal[7] == 0.8 && cfg.seasonal[11] == 1.0);
    assert_true(cfg.risk_mix[0] == 0.6 && cfg.risk_mix[2] == 0.1);
    assert_false(cfg.mech_burnout || cfg.mech_sickness || cfg.mech_turnover);
    assert_true(cfg.mech_recruitment && cfg.mech_harm && cfg.mech_inspection);
    assert_true(cfg.single_stage && cfg.single_stage_mean_days == 0.5);
    assert_true(cfg.stage[CP_STAGE_CP].duration_dist == CP_DIST_LOGNORMAL);
    cp_diagnostics_fini(&diags);
}

static void shocks_are_numbered_in_order_of_first_appearance(void **state) {
    (void)state;
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(FIXTURES "/valid/shocks.ini", NULL, 0, &cfg, &diags), CP_OK);
    assert_int_equal(cfg.shock_count, 2);
    assert_string_equal(cfg.shocks[0].name, "BabyP"); /* as written */
    assert_true(cfg.shocks[0].start_years == 2.0);
    assert_true(cfg.shocks[0].risk_aversion_multiplier == 1.3); /* template default */
    assert_string_equal(cfg.shocks[1].name, "pandemic-2020");
    assert_true(cfg.shocks[1].length_years == 0.25);
    assert_true(cfg.shocks[1].arrival_multiplier == 0.7);
    for (int i = cfg.shock_count; i < CP_MAX_SHOCKS; i++) {
        static const cp_shock_config zero;
        assert_memory_equal(&cfg.shocks[i], &zero, sizeof zero);
    }
    cp_diagnostics_fini(&diags);

    /* --set reaches an existing shock by name, any case, and can add one. */
    const char *sets[] = {"shock.babyp.length_years=3", "shock.new.start_years=0.5"};
    assert_int_equal(load(FIXTURES "/valid/shocks.ini", sets, 2, &cfg, &diags), CP_OK);
    assert_int_equal(cfg.shock_count, 3);
    assert_true(cfg.shocks[0].length_years == 3.0);
    assert_string_equal(cfg.shocks[2].name, "new");
    assert_true(cfg.shocks[2].start_years == 0.5);
    assert_true(cfg.shocks[2].arrival_multiplier == 1.46);
    cp_diagnostics_fini(&diags);

    /* ... but a name one typo from an existing shock is an error, not a
     * second shock. */
    const char *typo[] = {"shock.babpy.arrival_multiplier=1.0"};
    assert_int_equal(load(FIXTURES "/valid/shocks.ini", typo, 1, &cfg, &diags), CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].file, "--set");
    assert_string_equal(diags.items[0].section, "shock.babpy");
    assert_non_null(strstr(diags.items[0].message,
                           "the scenario has no [shock.babpy]; did you mean [shock.BabyP]?"));
    cp_diagnostics_fini(&diags);
}

typedef struct expectation {
    int line;
    char section[128];
    char key[128];
    char message[512];
} expectation;

/* Reads NAME.expect: "line<TAB>section<TAB>key<TAB>substring", '-' for an
 * empty field, '#' lines are comments. */
static size_t read_expectations(const char *path, expectation *out, size_t capacity) {
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("missing %s: every invalid fixture needs its .expect sidecar", path);
    char line[1400];
    size_t count = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        assert_true(count < capacity);
        expectation *e = &out[count++];
        char *fields[4] = {NULL, NULL, NULL, NULL};
        char *p = line;
        for (int i = 0; i < 4; i++) {
            fields[i] = p;
            char *tab = i < 3 ? strchr(p, '\t') : NULL;
            if (i < 3) {
                if (!tab)
                    fail_msg("%s: malformed line \"%s\"", path, line);
                *tab = '\0';
                p = tab + 1;
            }
        }
        e->line = atoi(fields[0]);
        snprintf(e->section, sizeof e->section, "%s", strcmp(fields[1], "-") ? fields[1] : "");
        snprintf(e->key, sizeof e->key, "%s", strcmp(fields[2], "-") ? fields[2] : "");
        snprintf(e->message, sizeof e->message, "%s", fields[3]);
    }
    fclose(f);
    return count;
}

static void every_invalid_fixture_reports_exactly_its_expected_diagnostics(void **state) {
    (void)state;
    char **names;
    size_t count = list_files(FIXTURES "/invalid", ".ini", &names);
    assert_true(count >= 40);
    for (size_t i = 0; i < count; i++) {
        char path[1024], expect_path[1024];
        snprintf(path, sizeof path, "%s/invalid/%s", FIXTURES, names[i]);
        snprintf(expect_path, sizeof expect_path, "%.*s.expect", (int)(strlen(path) - 4), path);
        expectation expected[32];
        size_t expected_count = read_expectations(expect_path, expected, 32);
        assert_true(expected_count > 0);

        cp_config cfg;
        cp_diagnostics diags;
        cp_status status = load(path, NULL, 0, &cfg, &diags);
        if (status != CP_EINPUT || diags.count != expected_count) {
            print_diags(&diags);
            fail_msg("%s: status %d with %zu diagnostics; expected CP_EINPUT with %zu", names[i],
                     (int)status, diags.count, expected_count);
        }
        for (size_t k = 0; k < expected_count; k++) {
            const cp_diagnostic *d = &diags.items[k];
            const expectation *e = &expected[k];
            if (strcmp(d->file, path) != 0 || d->line != e->line ||
                strcmp(d->section, e->section) != 0 || strcmp(d->key, e->key) != 0 ||
                !strstr(d->message, e->message)) {
                print_diags(&diags);
                fail_msg("%s: diagnostic %zu is line %d [%s] %s \"%s\"; expected line %d [%s] "
                         "%s containing \"%s\"",
                         names[i], k + 1, d->line, d->section, d->key, d->message, e->line,
                         e->section, e->key, e->message);
            }
        }
        /* A failed load leaves the caller's config untouched. */
        unsigned char poison[sizeof cfg];
        memset(poison, 0x5A, sizeof poison);
        assert_memory_equal(&cfg, poison, sizeof cfg);
        cp_diagnostics_fini(&diags);
    }
    free_names(names, count);
}

static void all_errors_of_a_file_come_out_in_one_pass(void **state) {
    (void)state;
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(FIXTURES "/invalid/multiple-errors.ini", NULL, 0, &cfg, &diags),
                     CP_EINPUT);
    assert_int_equal(diags.count, 7);
    for (size_t i = 1; i < diags.count; i++)
        assert_true(diags.items[i - 1].line < diags.items[i].line); /* in file order */
    cp_diagnostics_fini(&diags);
}

static void a_missing_file_is_one_clear_diagnostic(void **state) {
    (void)state;
    cp_config cfg;
    cp_diagnostics diags;
    const char *path = FIXTURES "/invalid/does-not-exist.ini";
    assert_int_equal(load(path, NULL, 0, &cfg, &diags), CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].file, path);
    assert_int_equal(diags.items[0].line, 0);
    assert_non_null(strstr(diags.items[0].message, "no such file"));
    cp_diagnostics_fini(&diags);
}

static void a_directory_is_one_clear_diagnostic(void **state) {
    (void)state;
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(FIXTURES "/invalid", NULL, 0, &cfg, &diags), CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_non_null(strstr(diags.items[0].message, "is a directory"));
    cp_diagnostics_fini(&diags);
}

static void an_unreadable_file_is_one_clear_diagnostic(void **state) {
    (void)state;
    /* root reads a mode-000 file anyway, so the check means nothing there. */
    if (geteuid() == 0) {
        print_message("  skipped: running as root, which can read a mode-000 file\n");
        skip();
    }
    char path[] = "/tmp/cpsim-unreadable-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, "[team]\n", 7) == 7);
    close(fd);
    assert_int_equal(chmod(path, 0), 0);
    cp_config cfg;
    cp_diagnostics diags;
    cp_status status = load(path, NULL, 0, &cfg, &diags);
    unlink(path);
    assert_int_equal(status, CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_non_null(strstr(diags.items[0].message, "permission denied"));
    cp_diagnostics_fini(&diags);
}

static void an_oversized_file_is_refused(void **state) {
    (void)state;
    char path[] = "/tmp/cpsim-large-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (size_t written = 0; written <= SCENARIO_FILE_MAX; written += 32)
        fputs("; padding padding padding paddi\n", f);
    fclose(f);
    cp_config cfg;
    cp_diagnostics diags;
    cp_status status = load(path, NULL, 0, &cfg, &diags);
    unlink(path);
    assert_int_equal(status, CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_non_null(strstr(diags.items[0].message, "larger than"));
    cp_diagnostics_fini(&diags);
}

/* Reads a whole file for the buffer tests. */
static char *slurp(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + used, 1, cap - used, f)) > 0) {
        used += got;
        if (used == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    *size = used;
    return buf;
}

static void same_diagnostics(const cp_diagnostics *a, const cp_diagnostics *b, const char *what) {
    if (a->count != b->count)
        fail_msg("%s: %zu diagnostics from the file, %zu from the buffer", what, a->count,
                 b->count);
    for (size_t k = 0; k < a->count; k++)
        if (memcmp(&a->items[k], &b->items[k], sizeof a->items[k]) != 0)
            fail_msg("%s: diagnostic %zu differs: \"%s\" vs \"%s\"", what, k, a->items[k].message,
                     b->items[k].message);
}

static void a_buffer_loads_exactly_like_the_same_file(void **state) {
    (void)state;
    static const char *const dirs[] = {FIXTURES "/valid", FIXTURES "/invalid",
                                       CPSIM_SOURCE_DIR "/scenarios"};
    const char *sets[] = {"team.social_workers=7"};
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char **names;
        size_t count = list_files(dirs[d], ".ini", &names);
        assert_true(count > 0);
        for (size_t i = 0; i < count; i++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dirs[d], names[i]);
            size_t size;
            char *bytes = slurp(path, &size);
            for (size_t with_set = 0; with_set < 2; with_set++) {
                cp_config from_file, from_buffer;
                cp_diagnostics file_diags, buffer_diags;
                cp_status a = load(path, sets, with_set, &from_file, &file_diags);
                cp_diagnostics_init(&buffer_diags);
                memset(&from_buffer, 0x5A, sizeof from_buffer);
                cp_status b = cp_scenario_load_buffer(path, bytes, size, sets, with_set,
                                                      &from_buffer, &buffer_diags);
                assert_int_equal(a, b);
                same_diagnostics(&file_diags, &buffer_diags, path);
                if (a == CP_OK)
                    assert_memory_equal(&from_file, &from_buffer, sizeof from_file);
                cp_diagnostics_fini(&file_diags);
                cp_diagnostics_fini(&buffer_diags);
            }
            free(bytes);
        }
        free_names(names, count);
    }
}

static void a_buffer_is_read_not_written_and_needs_no_terminator(void **state) {
    (void)state;
    /* No NUL after the text, and a CR/LF the lexer would cut in place. */
    static const char text[] = "[team]\r\nsocial_workers = 12 ; twelve\r\n[simulation]\nyears = 2";
    char bytes[sizeof text - 1];
    memcpy(bytes, text, sizeof bytes);
    cp_config cfg;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    assert_int_equal(cp_scenario_load_buffer("mem.ini", bytes, sizeof bytes, NULL, 0, &cfg, &diags),
                     CP_OK);
    assert_memory_equal(bytes, text, sizeof bytes);
    assert_true(cfg.social_workers == 12.0 && cfg.years == 2.0);
    cp_diagnostics_fini(&diags);
}

static void a_buffer_without_data_gives_the_defaults_and_sets(void **state) {
    (void)state;
    cp_config cfg, defaults;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    const char *sets[] = {"simulation.years=3"};
    assert_int_equal(cp_scenario_load_buffer(NULL, NULL, 0, sets, 1, &cfg, &diags), CP_OK);
    cp_config_defaults(&defaults);
    defaults.years = 3.0;
    assert_memory_equal(&cfg, &defaults, sizeof cfg);
    /* An unnamed buffer's diagnostics carry a placeholder name. */
    assert_int_equal(cp_scenario_load_buffer(NULL, "[tema]\n", 7, NULL, 0, &cfg, &diags),
                     CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].file, "(buffer)");
    cp_diagnostics_fini(&diags);
}

static void an_oversized_buffer_is_refused_without_reading_it(void **state) {
    (void)state;
    size_t size = SCENARIO_FILE_MAX + 1;
    char *bytes = malloc(size);
    assert_non_null(bytes);
    memset(bytes, '\0', size); /* would be "binary" if it were lexed */
    cp_config cfg;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    assert_int_equal(cp_scenario_load_buffer("big.ini", bytes, size, NULL, 0, &cfg, &diags),
                     CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_non_null(strstr(diags.items[0].message, "larger than"));
    cp_diagnostics_fini(&diags);
    free(bytes);
}

static void a_flood_of_errors_is_capped_with_a_note(void **state) {
    (void)state;
    char path[] = "/tmp/cpsim-flood-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("[team]\n", f);
    for (int i = 0; i < SCENARIO_DIAG_LIMIT + 50; i++)
        fprintf(f, "no_such_key_%d = 1\n", i);
    fclose(f);
    cp_config cfg;
    cp_diagnostics diags;
    cp_status status = load(path, NULL, 0, &cfg, &diags);
    unlink(path);
    assert_int_equal(status, CP_EINPUT);
    assert_int_equal(diags.count, SCENARIO_DIAG_LIMIT + 1);
    assert_non_null(strstr(diags.items[SCENARIO_DIAG_LIMIT].message, "50 more errors"));
    cp_diagnostics_fini(&diags);
}

/* ---- --set and apply -------------------------------------------------------- */

static void set_overrides_the_file_and_defaults(void **state) {
    (void)state;
    const char *sets[] = {"team.social_workers=14", " caseload.cap_cases = 19 ",
                          "simulation.seed=0x10", "demand.risk_mix=\"0.5 0.25 0.25\"",
                          "MECHANISMS.Harm=off"};
    cp_config cfg;
    cp_diagnostics diags;
    cp_status status = load(FIXTURES "/valid/bom-and-crlf-ok.ini", sets, 5, &cfg, &diags);
    print_diags(&diags);
    assert_int_equal(status, CP_OK);
    assert_true(cfg.social_workers == 14.0); /* the file said 12.5 */
    assert_true(cfg.cap_cases == 19.0);
    assert_true(cfg.seed == 16u);
    assert_true(cfg.risk_mix[1] == 0.25);
    assert_false(cfg.mech_harm);
    assert_int_equal(cfg.team_managers, 2); /* from the file, untouched */
    cp_diagnostics_fini(&diags);
}

static void set_goes_through_the_same_checks(void **state) {
    (void)state;
    const char *sets[] = {
        "team.social_workers=lots",     /* bad type */
        "triage.nfa_share=1.5",         /* out of range */
        "demand.refferals_per_week=3",  /* unknown key, with suggestion */
        "demnd.referrals_per_week=3",   /* unknown section, with suggestion */
        "team.social_workers",          /* no '=' */
        "social_workers=3",             /* no section */
        "simulation.replications=012",  /* octal-looking */
        "team.cap_cases=3",             /* key of another section */
        "shock.bad name.start_years=1", /* bad shock name */
        "pathway.single_stage=",        /* empty value */
    };
    size_t n = sizeof sets / sizeof sets[0];
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(NULL, sets, n, &cfg, &diags), CP_EINPUT);
    assert_int_equal(diags.count, n);
    for (size_t i = 0; i < diags.count; i++) {
        assert_string_equal(diags.items[i].file, "--set");
        assert_int_equal(diags.items[i].line, 0);
    }
    assert_true(has_diag(&diags, "social_workers", "\"lots\" is not a number"));
    assert_true(has_diag(&diags, "nfa_share", "\"1.5\" is out of range; allowed: 0 to 1"));
    assert_true(has_diag(&diags, "refferals_per_week", "did you mean \"referrals_per_week\"?"));
    assert_true(has_diag(&diags, NULL, "unknown section [demnd]; did you mean [demand]?"));
    assert_true(has_diag(&diags, NULL, "malformed assignment \"team.social_workers\""));
    assert_true(has_diag(&diags, NULL, "malformed assignment \"social_workers=3\""));
    assert_true(has_diag(&diags, "replications", "leading zeros are not allowed"));
    assert_true(has_diag(&diags, "cap_cases", "belongs in [caseload]"));
    assert_true(has_diag(&diags, NULL, "shock name \"bad name\""));
    assert_true(has_diag(&diags, "single_stage", "empty value"));
    assert_string_equal(diags.items[1].section, "triage");
    assert_string_equal(diags.items[1].key, "nfa_share");
    cp_diagnostics_fini(&diags);
}

static void set_errors_follow_the_file_errors(void **state) {
    (void)state;
    const char *sets[] = {"team.social_workers=-1"};
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(FIXTURES "/invalid/nan.ini", sets, 1, &cfg, &diags), CP_EINPUT);
    assert_int_equal(diags.count, 2);
    assert_int_equal(diags.items[0].line, 2);
    assert_string_equal(diags.items[1].file, "--set");
    cp_diagnostics_fini(&diags);
}

static void a_broken_rule_points_at_the_value_set_last(void **state) {
    (void)state;
    const char *sets[] = {"pathway.close_after_assessment_low=0.99"};
    cp_config cfg;
    cp_diagnostics diags;
    assert_int_equal(load(NULL, sets, 1, &cfg, &diags), CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].file, "--set");
    assert_string_equal(diags.items[0].key, "close_after_assessment_low");
    assert_non_null(strstr(diags.items[0].message, "exceeds 1"));
    cp_diagnostics_fini(&diags);
}

static void apply_changes_one_key_and_rechecks_the_rules(void **state) {
    (void)state;
    cp_config cfg, before;
    cp_config_defaults(&cfg);
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    assert_int_equal(cp_scenario_apply(&cfg, "team.social_workers=25", &diags), CP_OK);
    assert_true(cfg.social_workers == 25.0);
    assert_int_equal(diags.count, 0);

    memcpy(&before, &cfg, sizeof cfg);
    assert_int_equal(cp_scenario_apply(&cfg, "demand.risk_mix=0.9 0.2 0.1", &diags), CP_EINPUT);
    assert_int_equal(diags.count, 1);
    assert_non_null(strstr(diags.items[0].message, "must sum to 1"));
    assert_memory_equal(&cfg, &before, sizeof cfg); /* untouched on failure */

    assert_int_equal(cp_scenario_apply(&cfg, "team.nonsense=1", &diags), CP_EINPUT);
    assert_int_equal(diags.count, 2);
    assert_memory_equal(&cfg, &before, sizeof cfg);

    /* agency staff at the start only in vacant posts: a rule, which does
     * not apply when recruitment (and so the starting vacancies) is off */
    assert_int_equal(cp_scenario_apply(&cfg, "team.initial_vacancy_share=0.1", &diags),
                     CP_EINPUT);
    assert_int_equal(diags.count, 3);
    assert_non_null(strstr(diags.items[2].message, "must vary the agency share with it"));
    assert_int_equal(cp_scenario_apply(&cfg, "mechanisms.recruitment=false", &diags), CP_OK);
    assert_int_equal(cp_scenario_apply(&cfg, "team.initial_vacancy_share=0.1", &diags), CP_OK);
    assert_int_equal(diags.count, 3);
    cp_diagnostics_fini(&diags);
}

static void cp_diagnostics_may_be_null(void **state) {
    (void)state;
    cp_config cfg;
    const char *sets[] = {"team.social_workers=0"};
    assert_int_equal(cp_scenario_load(NULL, sets, 1, &cfg, NULL), CP_EINPUT);
    assert_int_equal(cp_scenario_load(NULL, NULL, 0, &cfg, NULL), CP_OK);
}

/* ---- formatting and round trips -------------------------------------------- */

static void diagnostic_format_reads_file_line_section_key_message(void **state) {
    (void)state;
    cp_diagnostic d;
    memset(&d, 0, sizeof d);
    snprintf(d.file, sizeof d.file, "scenarios/x.ini");
    d.line = 12;
    snprintf(d.section, sizeof d.section, "team");
    snprintf(d.key, sizeof d.key, "social_workers");
    snprintf(d.message, sizeof d.message, "\"-3\" is out of range");
    char buf[1200];
    cp_diagnostic_format(&d, buf, sizeof buf);
    assert_string_equal(buf, "scenarios/x.ini:12: [team] social_workers: \"-3\" is out of range");
    d.line = 0;
    d.key[0] = '\0';
    cp_diagnostic_format(&d, buf, sizeof buf);
    assert_string_equal(buf, "scenarios/x.ini: [team]: \"-3\" is out of range");
    d.section[0] = '\0';
    cp_diagnostic_format(&d, buf, sizeof buf);
    assert_string_equal(buf, "scenarios/x.ini: \"-3\" is out of range");
}

/* Writes text to a temporary file and loads it. */
static cp_status load_text(const char *text, cp_config *cfg, cp_diagnostics *diags) {
    char path[] = "/tmp/cpsim-roundtrip-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_true(write(fd, text, n) == (ssize_t)n);
    close(fd);
    cp_status status = load(path, NULL, 0, cfg, diags);
    if (status != CP_OK)
        print_diags(diags);
    unlink(path);
    return status;
}

static void to_ini_round_trips(const cp_config *cfg) {
    char *text = cp_scenario_to_ini(cfg);
    assert_non_null(text);
    cp_config back;
    cp_diagnostics diags;
    assert_int_equal(load_text(text, &back, &diags), CP_OK);
    /* Field by field first, for a readable failure; then every byte. */
    for (size_t i = 0; i < cp_schema_count(); i++) {
        const cp_schema_entry *e = cp_schema_at(i);
        if (cp_schema_is_shock(e))
            continue;
        if (memcmp((const char *)cfg + e->offset, (const char *)&back + e->offset,
                   scenario_field_size(e)) != 0)
            fail_msg("%s.%s changed in the round trip", e->section, e->key);
    }
    assert_memory_equal(cfg, &back, sizeof back);
    /* And the normalised text is a fixed point. */
    char *again = cp_scenario_to_ini(&back);
    assert_string_equal(text, again);
    free(again);
    free(text);
    cp_diagnostics_fini(&diags);
}

static void to_ini_round_trips_the_defaults_and_the_full_fixture(void **state) {
    (void)state;
    cp_config cfg;
    cp_config_defaults(&cfg);
    to_ini_round_trips(&cfg);
    cp_diagnostics diags;
    assert_int_equal(load(FIXTURES "/valid/full.ini", NULL, 0, &cfg, &diags), CP_OK);
    to_ini_round_trips(&cfg);
    cp_diagnostics_fini(&diags);
}

/* splitmix64: a fixed-seed source of awkward doubles for the round trip. */
static uint64_t next_random(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double random_in(uint64_t *s, double lo, double hi) {
    double u = (double)(next_random(s) >> 11) * 0x1.0p-53;
    return lo + (hi - lo) * u;
}

static void randomise_field(uint64_t *s, const cp_schema_entry *e, void *field) {
    switch (e->type) {
    case CP_TYPE_REAL: {
        double v = random_in(s, e->min, e->max);
        memcpy(field, &v, sizeof v);
        break;
    }
    case CP_TYPE_REAL_LIST:
        for (int i = 0; i < e->list_length; i++) {
            double v = random_in(s, e->min, e->max);
            memcpy((char *)field + (size_t)i * sizeof v, &v, sizeof v);
        }
        break;
    case CP_TYPE_INT: {
        int v = (int)random_in(s, e->min, e->max);
        memcpy(field, &v, sizeof v);
        break;
    }
    case CP_TYPE_UINT64: {
        uint64_t v = next_random(s);
        memcpy(field, &v, sizeof v);
        break;
    }
    case CP_TYPE_BOOL: {
        bool v = next_random(s) & 1;
        memcpy(field, &v, sizeof v);
        break;
    }
    case CP_TYPE_CHOICE: {
        int v = (int)(next_random(s) & 1);
        memcpy(field, &v, sizeof v);
        break;
    }
    case CP_TYPE_STRING:
        break;
    }
}

static void to_ini_round_trips_random_configs_exactly(void **state) {
    (void)state;
    uint64_t seed = 20261122;
    for (int trial = 0; trial < 50; trial++) {
        cp_config cfg;
        cp_config_defaults(&cfg);
        for (size_t i = 0; i < cp_schema_count(); i++) {
            const cp_schema_entry *e = cp_schema_at(i);
            if (!cp_schema_is_shock(e))
                randomise_field(&seed, e, field_of(&cfg, e));
        }
        /* Keep the cross-key rules satisfied. */
        double a = random_in(&seed, 0, 1), b = random_in(&seed, 0, 1 - a);
        cfg.risk_mix[0] = a;
        cfg.risk_mix[1] = b;
        cfg.risk_mix[2] = 1.0 - a - b;
        cfg.s47_after_assessment_low *= 1.0 - cfg.close_after_assessment_low;
        cfg.s47_after_assessment_medium *= 1.0 - cfg.close_after_assessment_medium;
        if (cfg.caseload_target < 1.0)
            cfg.caseload_target = 0.0;
        if (cfg.sickness_short_mean_wd > cfg.sickness_long_mean_wd)
            cfg.sickness_short_mean_wd = cfg.sickness_long_mean_wd;
        if (cfg.initial_agency_share > cfg.initial_vacancy_share)
            cfg.initial_agency_share = cfg.initial_vacancy_share;
        for (int s = 0; s < CP_STAGE_COUNT; s++) /* every stage fits the weighted cap */
            if (cfg.stage[s].weight > cfg.cap_points)
                cfg.stage[s].weight = cfg.cap_points;
        for (int pass = 0; pass < 2; pass++) /* sort the three rates */
            for (int k = 0; k + 1 < CP_RISK_LEVELS - pass; k++)
                if (cfg.harm_rate[k] > cfg.harm_rate[k + 1]) {
                    double t = cfg.harm_rate[k];
                    cfg.harm_rate[k] = cfg.harm_rate[k + 1];
                    cfg.harm_rate[k + 1] = t;
                }
        cfg.shock_count = (int)(next_random(&seed) % (CP_MAX_SHOCKS + 1));
        for (int k = 0; k < cfg.shock_count; k++) {
            char name[CP_SHOCK_NAME_MAX];
            snprintf(name, sizeof name, "shock-%d_%d", trial, k);
            scenario_shock_defaults(&cfg.shocks[k], name);
            for (size_t i = 0; i < cp_schema_count(); i++) {
                const cp_schema_entry *e = cp_schema_at(i);
                if (cp_schema_is_shock(e))
                    randomise_field(&seed, e, (char *)&cfg.shocks[k] + e->offset);
            }
        }
        to_ini_round_trips(&cfg);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_load_and_pass_validation),
        cmocka_unit_test(every_default_is_inside_its_range),
        cmocka_unit_test(every_schema_entry_is_documented_and_unique),
        cmocka_unit_test(schema_covers_every_config_field),
        cmocka_unit_test(every_key_named_in_config_h_is_in_the_schema),
        cmocka_unit_test(schema_find_resolves_shock_sections_to_the_template),
        cmocka_unit_test(range_text_and_type_names_read_well),
        cmocka_unit_test(strict_values_accept_what_they_should_and_nothing_else),
        cmocka_unit_test(suggestions_forgive_one_typo_but_not_nonsense),
        cmocka_unit_test(real_numbers_are_printed_shortest_and_exact),
        cmocka_unit_test(full_valid_fixture_loads_with_its_values),
        cmocka_unit_test(every_valid_fixture_loads_cleanly),
        cmocka_unit_test(bom_and_crlf_are_accepted),
        cmocka_unit_test(comments_quotes_and_case_are_accepted),
        cmocka_unit_test(shocks_are_numbered_in_order_of_first_appearance),
        cmocka_unit_test(every_invalid_fixture_reports_exactly_its_expected_diagnostics),
        cmocka_unit_test(all_errors_of_a_file_come_out_in_one_pass),
        cmocka_unit_test(a_missing_file_is_one_clear_diagnostic),
        cmocka_unit_test(a_directory_is_one_clear_diagnostic),
        cmocka_unit_test(an_unreadable_file_is_one_clear_diagnostic),
        cmocka_unit_test(an_oversized_file_is_refused),
        cmocka_unit_test(a_buffer_loads_exactly_like_the_same_file),
        cmocka_unit_test(a_buffer_is_read_not_written_and_needs_no_terminator),
        cmocka_unit_test(a_buffer_without_data_gives_the_defaults_and_sets),
        cmocka_unit_test(an_oversized_buffer_is_refused_without_reading_it),
        cmocka_unit_test(a_flood_of_errors_is_capped_with_a_note),
        cmocka_unit_test(set_overrides_the_file_and_defaults),
        cmocka_unit_test(set_goes_through_the_same_checks),
        cmocka_unit_test(set_errors_follow_the_file_errors),
        cmocka_unit_test(a_broken_rule_points_at_the_value_set_last),
        cmocka_unit_test(apply_changes_one_key_and_rechecks_the_rules),
        cmocka_unit_test(cp_diagnostics_may_be_null),
        cmocka_unit_test(diagnostic_format_reads_file_line_section_key_message),
        cmocka_unit_test(to_ini_round_trips_the_defaults_and_the_full_fixture),
        cmocka_unit_test(to_ini_round_trips_random_configs_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
