/* rules.c: cross-key rules, checked once every key has been read.
 *
 * Contract: each rule is a sentence (listed by cp_scenario_rule_text, so
 * the docs cannot drift from the code) and a check. A broken rule is
 * reported at the file and line of the most recently applied key it
 * involves, because that is the value the user just wrote. Defaults satisfy
 * every rule (the unit test checks), so a broken rule always has a key the
 * user set. Ranges of single keys are not repeated here; they live in the
 * schema table.
 *
 * Rules considered and left out, on purpose: warm-up longer than the run
 * (simulation.years is measured after the warm-up, so any warm-up is
 * consistent); a time-series interval longer than the run (an empty series is
 * odd but not contradictory).
 */
#include "scenario_internal.h"

#include <math.h>
#include <stdio.h>

typedef struct rule_context {
    const cp_config *cfg;
    const scenario_origin *origins;
    scenario_sink *sink;
} rule_context;

typedef struct rule {
    const char *text;
    void (*check)(const rule_context *rc);
} rule;

/* Values in messages: enough digits to see the problem, without the
 * round-trip noise of 0.1 + 0.2 (the exact text is in the file). */
static void show(double value, char *buf, size_t size) {
    snprintf(buf, size, "%.10g", value);
}

static size_t schema_index(const char *section, const char *key) {
    const cp_schema_entry *e = cp_schema_find(section, key);
    CP_ASSERT(e != NULL);
    return (size_t)(e - cp_schema_at(0));
}

/* Reports message at the most recently set of the given keys (keys holds
 * key_count section, key pairs); the message should name all of them. */
static void report_rule(const rule_context *rc, const char *const *keys, size_t key_count,
                        const char *message) {
    size_t chosen = 0;
    unsigned latest = 0;
    for (size_t i = 0; i < key_count; i++) {
        size_t index = schema_index(keys[2 * i], keys[2 * i + 1]);
        if (rc->origins[index].order >= latest) {
            latest = rc->origins[index].order;
            chosen = i;
        }
    }
    size_t index = schema_index(keys[2 * chosen], keys[2 * chosen + 1]);
    const scenario_origin *o = &rc->origins[index];
    scenario_report(rc->sink, o->file ? o->file : "(defaults)", o->file ? o->line : 0,
                    keys[2 * chosen], keys[2 * chosen + 1], "%s", message);
}

static void check_risk_mix(const rule_context *rc) {
    const double *mix = rc->cfg->risk_mix;
    double sum = mix[0] + mix[1] + mix[2];
    if (fabs(sum - 1.0) <= 1e-6)
        return;
    char total[40], message[300];
    show(sum, total, sizeof total);
    snprintf(message, sizeof message,
             "the shares of low, medium and high risk must sum to 1 (within 1e-6); they sum to %s",
             total);
    static const char *const keys[] = {"demand", "risk_mix"};
    report_rule(rc, keys, 1, message);
}

static void check_route_shares(const rule_context *rc, const char *level, double close,
                               double s47) {
    /* Small slack so 0.85 + 0.15 (not exactly 1 in binary) passes. */
    if (close + s47 <= 1.0 + 1e-9)
        return;
    char a[40], b[40], message[400], close_key[64], s47_key[64];
    show(close, a, sizeof a);
    show(s47, b, sizeof b);
    snprintf(close_key, sizeof close_key, "close_after_assessment_%s", level);
    snprintf(s47_key, sizeof s47_key, "s47_after_assessment_%s", level);
    snprintf(message, sizeof message,
             "pathway.%s (%s) + pathway.%s (%s) exceeds 1: the shares of %s-risk assessments "
             "that close and that go to s47 must leave room for the rest (a CIN plan)",
             close_key, a, s47_key, b, level);
    const char *const keys[] = {"pathway", close_key, "pathway", s47_key};
    report_rule(rc, keys, 2, message);
}

static void check_routes_low(const rule_context *rc) {
    check_route_shares(rc, "low", rc->cfg->close_after_assessment_low,
                       rc->cfg->s47_after_assessment_low);
}

static void check_routes_medium(const rule_context *rc) {
    check_route_shares(rc, "medium", rc->cfg->close_after_assessment_medium,
                       rc->cfg->s47_after_assessment_medium);
}

static void check_caseload_target(const rule_context *rc) {
    double target = rc->cfg->caseload_target;
    if (target == 0.0 || target >= 1.0)
        return;
    char shown[40], message[300];
    show(target, shown, sizeof shown);
    snprintf(message, sizeof message,
             "caseload target %s is below 1 case per FTE: write 0 for no target, or a target "
             "of at least 1",
             shown);
    static const char *const keys[] = {"policy", "caseload_target"};
    report_rule(rc, keys, 1, message);
}

static void check_sickness_lengths(const rule_context *rc) {
    double short_mean = rc->cfg->sickness_short_mean_wd;
    double long_mean = rc->cfg->sickness_long_mean_wd;
    if (short_mean <= long_mean)
        return;
    char a[40], b[40], message[300];
    show(short_mean, a, sizeof a);
    show(long_mean, b, sizeof b);
    snprintf(message, sizeof message,
             "sickness.short_mean_wd (%s) is longer than sickness.long_mean_wd (%s); short "
             "spells must not outlast long ones",
             a, b);
    static const char *const keys[] = {"sickness", "short_mean_wd", "sickness", "long_mean_wd"};
    report_rule(rc, keys, 2, message);
}

/* Agency staff at the start fill vacant posts (the model has no agency
 * cover of absence), so a larger agency share could not be honoured: it
 * would be cut to the vacancy share without a word. Real authorities can
 * report more agency FTE than vacancies, because agency staff also cover
 * absence; here that has to be written as vacancies. */
static void check_initial_agency(const rule_context *rc) {
    double agency = rc->cfg->initial_agency_share, vacancy = rc->cfg->initial_vacancy_share;
    if (agency <= vacancy + 1e-9 || !rc->cfg->mech_recruitment)
        return; /* with recruitment off every post starts filled: both are unused */
    char a[40], v[40], message[400];
    show(agency, a, sizeof a);
    show(vacancy, v, sizeof v);
    snprintf(message, sizeof message,
             "team.initial_agency_share (%s) is above team.initial_vacancy_share (%s): agency "
             "staff start only in vacant posts, so at most the vacancy share can be agency at "
             "the start; lower the agency share or raise the vacancy share (a sweep that "
             "varies the vacancy share must vary the agency share with it)",
             a, v);
    static const char *const keys[] = {"team", "initial_agency_share", "team",
                                       "initial_vacancy_share"};
    report_rule(rc, keys, 2, message);
}

static void check_harm_order(const rule_context *rc) {
    const double *rate = rc->cfg->harm_rate;
    if (rate[0] <= rate[1] && rate[1] <= rate[2])
        return;
    char message[300];
    snprintf(message, sizeof message,
             "harm rates must not fall as risk rises: write them as low, medium, high with "
             "low <= medium <= high");
    static const char *const keys[] = {"harm", "rate"};
    report_rule(rc, keys, 1, message);
}

static void check_stage_weights(const rule_context *rc) {
    static const char *const sections[CP_STAGE_COUNT] = {"assessment", "s47", "cin", "cp",
                                                         "proceedings"};
    if (rc->cfg->single_stage)
        return; /* queue mode counts cases, not points */
    /* the most a full-time worker may hold: over cap by the margin, under pressure */
    double most = rc->cfg->cap_points * (1.0 + rc->cfg->over_cap_margin);
    for (int s = 0; s < CP_STAGE_COUNT; s++) {
        double weight = rc->cfg->stage[s].weight;
        if (weight <= most + 1e-9)
            continue;
        char a[40], b[40], c[40], message[480];
        show(weight, a, sizeof a);
        show(rc->cfg->cap_points, b, sizeof b);
        show(rc->cfg->over_cap_margin, c, sizeof c);
        snprintf(message, sizeof message,
                 "%s.weight (%s) is more than caseload.cap_points (%s) x (1 + "
                 "caseload.over_cap_margin (%s)): a case in that stage could never be "
                 "allocated, not even to a full-time worker with no other cases",
                 sections[s], a, b, c);
        const char *const keys[] = {sections[s],  "weight",   "caseload",
                                    "cap_points", "caseload", "over_cap_margin"};
        report_rule(rc, keys, 3, message);
    }
}

static const rule rules[] = {
    {"`demand.risk_mix`: the three shares (low, medium, high) sum to 1, within 1e-6.",
     check_risk_mix},
    {"`pathway.close_after_assessment_low` + `pathway.s47_after_assessment_low` <= 1.",
     check_routes_low},
    {"`pathway.close_after_assessment_medium` + `pathway.s47_after_assessment_medium` <= 1.",
     check_routes_medium},
    {"`policy.caseload_target` is 0 (no target) or at least 1.", check_caseload_target},
    {"`sickness.short_mean_wd` <= `sickness.long_mean_wd`.", check_sickness_lengths},
    {"`team.initial_agency_share` <= `team.initial_vacancy_share` (agency staff start only in "
     "vacant posts), unless `mechanisms.recruitment` is off.",
     check_initial_agency},
    {"`harm.rate` does not fall as risk rises: low <= medium <= high.", check_harm_order},
    {"Every stage's `weight` is at most `caseload.cap_points` x (1 + `caseload.over_cap_margin`) "
     "(unless `pathway.single_stage`).",
     check_stage_weights},
};

size_t cp_scenario_rule_count(void) {
    return sizeof rules / sizeof rules[0];
}

const char *cp_scenario_rule_text(size_t index) {
    return index < cp_scenario_rule_count() ? rules[index].text : NULL;
}

void scenario_check_rules(const cp_config *cfg, const scenario_origin *origins,
                          scenario_sink *sink) {
    rule_context rc = {cfg, origins, sink};
    for (size_t i = 0; i < cp_scenario_rule_count(); i++)
        rules[i].check(&rc);
}
