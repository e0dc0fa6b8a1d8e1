/* schema.c: the one table of scenario keys.
 *
 * Contract: every field of cp_config that a scenario can set has exactly one
 * entry here: section, key, type, unit, inclusive range or choices, default
 * (as it would be written in a file), a one-line description, the source of
 * the default, and its offset in cp_config. Loading, validation, `cpsim
 * keys`, docs/scenario-reference.md and even cp_config_defaults are driven by
 * this table, so a key added here is loaded, checked, listed and documented
 * with no other edit.
 *
 * Invariants
 * - Entries of one section are contiguous and in the order of config.h;
 *   cp_scenario_to_ini relies on the first to print each section once.
 * - Defaults are stored as text and parsed with the same strict parser as
 *   a file (cp_config_defaults asserts they parse): a default cannot drift
 *   from what a user could write, and the unit test checks each is in range.
 * - The shock template entries (section "shock.NAME") carry offsets into
 *   cp_shock_config; every other offset is into cp_config.
 * The table is const: there is no mutable state in this file.
 */
#include "scenario_internal.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The entry macros read better aligned by hand. */
/* clang-format off */
/* offsetof plus a compile-time check that the field has the C type the
 * entry claims: a mismatch gives a negative array size and the build stops
 * (an int entry on a double field would otherwise write 4 of its 8 bytes).
 * An array field converts to a pointer to its element in _Generic. */
#define TYPED_OFFSET(base, field, ctype)                                                     \
    (offsetof(base, field) +                                                                 \
     0 * sizeof(char[_Generic(((base *)0)->field, ctype: 1, default: -1)]))
#define CFG_AS(field, ctype) TYPED_OFFSET(cp_config, field, ctype)
#define CFG(field) CFG_AS(field, double)
#define SHK(field) TYPED_OFFSET(cp_shock_config, field, double)
#define ASSUMPTION "assumption"

#define REAL(sec, k, field, u, lo, hi, def, desc, src)                                        \
    {.section = sec, .key = k, .type = CP_TYPE_REAL, .unit = u, .min = lo, .max = hi,          \
     .default_text = def, .description = desc, .source = src, .offset = CFG(field)}
#define INT(sec, k, field, u, lo, hi, def, desc, src)                                         \
    {.section = sec, .key = k, .type = CP_TYPE_INT, .unit = u, .min = lo, .max = hi,           \
     .default_text = def, .description = desc, .source = src, .offset = CFG_AS(field, int)}
#define BOOL(sec, k, field, def, desc, src)                                                   \
    {.section = sec, .key = k, .type = CP_TYPE_BOOL, .unit = "", .min = 0, .max = 1,           \
     .choices = "true|false", .default_text = def, .description = desc, .source = src,         \
     .offset = CFG_AS(field, bool)}
#define LIST(sec, k, field, u, n, lo, hi, def, desc, src)                                     \
    {.section = sec, .key = k, .type = CP_TYPE_REAL_LIST, .unit = u, .min = lo, .max = hi,     \
     .list_length = n, .default_text = def, .description = desc, .source = src,                \
     .offset = CFG_AS(field, double *) + 0 * sizeof(char[sizeof(((cp_config *)0)->field) ==    \
                                                          n * sizeof(double) ? 1 : -1])}
#define SHOCK(k, field, u, lo, hi, def, desc, src)                                            \
    {.section = SCENARIO_SHOCK_TEMPLATE, .key = k, .type = CP_TYPE_REAL, .unit = u, .min = lo, \
     .max = hi, .default_text = def, .description = desc, .source = src, .offset = SHK(field)}

/* The five pathway stages share one shape; only defaults and sources vary:
 * one source for the weight, one for the visit interval, one for the mean
 * duration. The spread (cv) and the distribution's family are ours. */
#define STAGE(sec, id, label, w, w_src, visit, visit_src, dur, dur_src, cv, dist)            \
    REAL(sec, "weight", stage[id].weight, "points", 0, 20, w,                                 \
         "caseload points a case carries during " label, w_src),                               \
    REAL(sec, "visit_interval_wd", stage[id].visit_interval_wd, "working days", 0.5, 260,      \
         visit, "statutory or expected interval between visits during " label, visit_src),     \
    REAL(sec, "duration_mean_wd", stage[id].duration_mean_wd, "working days", 0.1, 5000, dur,  \
         "mean working days of work to complete " label " at normal load", dur_src),           \
    REAL(sec, "duration_cv", stage[id].duration_cv, "ratio", 0, 5, cv,                         \
         "coefficient of variation (sd/mean) of the duration of " label, ASSUMPTION),          \
    {.section = sec, .key = "duration_dist", .type = CP_TYPE_CHOICE, .unit = "",               \
     .choices = "lognormal|gamma", .default_text = dist,                                       \
     .description = "distribution of the duration of " label, .source = ASSUMPTION,            \
     .offset = CFG_AS(stage[id].duration_dist, cp_duration_dist)}
/* clang-format on */

static const cp_schema_entry schema[] = {
    /* [simulation] */
    REAL("simulation", "years", years, "years", 0.1, 200, "5",
         "run length measured after the warm-up", ASSUMPTION),
    REAL("simulation", "warmup_years", warmup_years, "years", 0, 50, "1",
         "warm-up simulated before statistics start", "MODEL.md: default 1 year"),
    INT("simulation", "replications", replications, "replications", 1, 1000000, "10",
        "independent replications per run", ASSUMPTION),
    {.section = "simulation",
     .key = "seed",
     .type = CP_TYPE_UINT64,
     .unit = "",
     .min = 0,
     .max = 18446744073709551615.0,
     .default_text = "20261122",
     .description = "master seed (decimal or 0x hex); replication r's streams derive from it",
     .source = "arbitrary fixed value",
     .offset = CFG_AS(seed, uint64_t)},
    REAL("simulation", "timeseries_interval_days", timeseries_interval_days, "days", 1, 365, "7",
         "interval between rows of timeseries.csv", "MODEL.md: default weekly"),

    /* [calendar] */
    INT("calendar", "bank_holidays_per_year", bank_holidays_per_year, "days/year", 0, 30, "8",
        "bank holidays a year, not worked", "England and Wales: 8 a year"),

    /* [demand] */
    REAL("demand", "referrals_per_week", referrals_per_week, "referrals/week", 0, 100000, "5.41",
         "base referral rate before growth, season and shocks",
         "fitted: 16.3 cases per FTE for a 10-post team (DfE workforce 2021)"),
    REAL("demand", "growth_per_year", growth_per_year, "fraction/year", -0.5, 1, "0",
         "yearly growth of the referral rate, e.g. 0.02 = +2% a year", ASSUMPTION),
    LIST("demand", "seasonal", seasonal, "multiplier", CP_MONTHS, 0, 10,
         "1.05 1.05 1.05 1.00 1.00 1.05 0.95 0.75 1.00 1.05 1.05 1.00",
         "12 monthly multipliers of the referral rate, January to December",
         "assumption: referrals dip in school holidays, August lowest"),
    LIST("demand", "risk_mix", risk_mix, "fraction", CP_RISK_LEVELS, 0, 1, "0.55 0.30 0.15",
         "shares of referrals whose true risk is low, medium, high (sum 1)", ASSUMPTION),

    /* [shock.NAME]: any number of named sections, up to CP_MAX_SHOCKS */
    SHOCK("start_years", start_years, "years", 0, 200, "1",
          "start of the shock, from the start of the run (warm-up included)", ASSUMPTION),
    SHOCK("length_years", length_years, "years", 0, 200, "1", "duration of the shock",
          "Baby P: care applications ran high for about a year"),
    SHOCK("arrival_multiplier", arrival_multiplier, "multiplier", 0, 100, "1.46",
          "multiplier on referral arrivals during the shock",
          "care applications ran 46% higher for a year after Baby P"),
    SHOCK("risk_aversion_multiplier", risk_aversion_multiplier, "multiplier", 0.1, 100, "1.3",
          "multiplier on risk aversion (more s47 enquiries) during the shock", ASSUMPTION),

    /* [triage] */
    REAL("triage", "nfa_share", nfa_share, "fraction", 0, 1, "0.07",
         "share of low/medium-risk referrals closed at the door (no further action)",
         "DfE children in need: about 7% no further action"),
    REAL("triage", "screen_out_high_base", screen_out_high_base, "probability", 0, 1, "0.03",
         "probability an experienced screener at normal load screens out a high-risk referral",
         ASSUMPTION),
    REAL("triage", "screen_inexperience_factor", screen_inexperience_factor, "multiplier", 1, 20,
         "2", "multiplier on screening errors when the screener has less experience than "
         "caseload.high_risk_min_experience_years",
         ASSUMPTION),
    REAL("triage", "screen_load_factor", screen_load_factor, "per unit overload", 0, 20, "0.5",
         "extra screening error per unit of duty overload", ASSUMPTION),
    REAL("triage", "duty_referrals_per_day", duty_referrals_per_day, "referrals/day", 0.1, 10000,
         "6", "referrals one duty worker can screen properly in a day", ASSUMPTION),
    REAL("triage", "risk_aversion", risk_aversion, "multiplier", 0.1, 10, "1",
         "risk aversion of the front door and assessments; 1 = national average", ASSUMPTION),
    REAL("triage", "direct_s47_share", direct_s47_share, "fraction", 0, 1, "0.3",
         "share of referrals judged high risk at the door that go straight to an s47 enquiry",
         ASSUMPTION),

    /* [pathway] */
    BOOL("pathway", "single_stage", single_stage, "false",
         "every case is one stage with an exponential duration (M/M/c test mode)",
         "MODEL.md section 4"),
    REAL("pathway", "single_stage_mean_days", single_stage_mean_days, "days", 0.001, 100000, "30",
         "mean case duration in single-stage mode", ASSUMPTION),
    REAL("pathway", "close_after_assessment_low", close_after_assessment_low, "fraction", 0, 1,
         "0.55", "share of assessments judged low risk that close",
         "DfE: about 30% of assessed children found not in need overall"),
    REAL("pathway", "close_after_assessment_medium", close_after_assessment_medium, "fraction", 0,
         1, "0.15", "share of assessments judged medium risk that close", ASSUMPTION),
    REAL("pathway", "s47_after_assessment_medium", s47_after_assessment_medium, "fraction", 0, 1,
         "0.15", "share of assessments judged medium risk that lead to an s47 enquiry", ASSUMPTION),
    REAL("pathway", "s47_after_assessment_low", s47_after_assessment_low, "fraction", 0, 1, "0.02",
         "share of assessments judged low risk that lead to an s47 enquiry "
         "(raised by risk aversion)",
         ASSUMPTION),
    REAL("pathway", "icpc_share_high", icpc_share_high, "fraction", 0, 1, "0.55",
         "share of s47 enquiries on high-risk children that reach an ICPC",
         "calibrated so about 31% of all s47 enquiries reach ICPC (DfE)"),
    REAL("pathway", "icpc_share_other", icpc_share_other, "fraction", 0, 1, "0.12",
         "share of other s47 enquiries that reach an ICPC",
         "calibrated so about 31% of all s47 enquiries reach ICPC (DfE)"),
    REAL("pathway", "proceedings_share_high", proceedings_share_high, "fraction", 0, 1, "0.3",
         "share of CP plans ending with the child still high risk that go to care proceedings",
         ASSUMPTION),
    REAL("pathway", "cin_after_cp_share", cin_after_cp_share, "fraction", 0, 1, "0.5",
         "share of ended CP plans stepped down to a CIN plan", ASSUMPTION),
    BOOL("pathway", "care_order_leaves_team", care_order_leaves_team, "true",
         "a case leaves the team when care proceedings end in a care order", "MODEL.md"),
    REAL("pathway", "rereferral_base", rereferral_base, "probability", 0, 1, "0.22",
         "probability of a re-referral within 12 months after a proper closure",
         "fitted: 22% of referrals are re-referrals within 12 months (DfE children in need)"),
    REAL("pathway", "rereferral_early_close_factor", rereferral_early_close_factor, "multiplier", 1,
         10, "1.5",
         "multiplier on re-referral after a closure pushed early by waiting-list pressure",
         ASSUMPTION),
    REAL("pathway", "rereferral_wrong_close_factor", rereferral_wrong_close_factor, "multiplier", 1,
         10, "2", "multiplier on re-referral after a closure on a wrong (too low) risk judgement",
         ASSUMPTION),
    REAL("pathway", "rework_share", rework_share, "fraction", 0, 1, "0.3",
         "share of an assessment's work lost and redone on a change of social worker", ASSUMPTION),
    REAL("pathway", "familiarity_visits", familiarity_visits, "visits", 0, 50, "3",
         "visits a new worker needs before recognising the child's risk at full quality",
         ASSUMPTION),

    /* [assessment] [s47] [cin] [cp] [proceedings] */
    STAGE("assessment", CP_STAGE_ASSESSMENT, "an assessment", "1.0", ASSUMPTION, "10",
          "assumption: the child seen about fortnightly while assessed", "28",
          "DfE: statutory target 45 working days, national median 33", "0.45", "lognormal"),
    STAGE("s47", CP_STAGE_S47, "an s47 enquiry", "1.5", ASSUMPTION, "5",
          "assumption: the child seen weekly during an enquiry", "10",
          "DfE: target 15 working days from strategy discussion to ICPC", "0.5", "gamma"),
    STAGE("cin", CP_STAGE_CIN, "a child in need plan", "1.0", ASSUMPTION, "20", ASSUMPTION,
          "130", ASSUMPTION, "0.6", "lognormal"),
    STAGE("cp", CP_STAGE_CP, "a child protection plan", "1.5", ASSUMPTION, "10",
          "MODEL.md: visits every 10 working days (a common local standard)", "225",
          "DfE CP plan lengths: mean about 10 months", "0.65", "gamma"),
    STAGE("proceedings", CP_STAGE_PROCEEDINGS, "care proceedings", "2.5", ASSUMPTION, "10",
          ASSUMPTION, "215", "about 43 weeks in practice against a 26-week target", "0.3",
          "gamma"),

    /* [team] */
    REAL("team", "social_workers", social_workers, "FTE", 0.5, 1000000, "10",
         "established social worker posts (case holders)", ASSUMPTION),
    INT("team", "team_managers", team_managers, "managers", 1, 100000, "1",
        "team managers who allocate and supervise", ASSUMPTION),
    REAL("team", "initial_vacancy_share", initial_vacancy_share, "fraction", 0, 1, "0.167",
         "share of posts vacant at the start", "DfE children's social work workforce 2021: 16.7%"),
    REAL("team", "initial_agency_share", initial_agency_share, "fraction", 0, 1, "0.155",
         "agency FTE at the start, as a share of the establishment",
         "DfE children's social work workforce 2021: 15.5%"),
    REAL("team", "initial_nqsw_share", initial_nqsw_share, "fraction", 0, 1, "0.1",
         "share of filled posts held by newly qualified social workers at the start", ASSUMPTION),
    REAL("team", "experience_mean_years", experience_mean_years, "years", 0, 45, "7",
         "mean post-qualification experience of permanent staff at the start", ASSUMPTION),

    /* [caseload] */
    REAL("caseload", "cap_cases", cap_cases, "cases/FTE", 1, 500, "18",
         "case cap per full-time permanent worker", "common local targets are 18-20 cases"),
    REAL("caseload", "cap_points", cap_points, "points/FTE", 1, 1000, "22",
         "weighted caseload cap per full-time permanent worker", ASSUMPTION),
    REAL("caseload", "nqsw_cap_share", nqsw_cap_share, "fraction", 0, 1, "0.9",
         "NQSW caps as a share of a full caseload",
         "ASYE protected caseload: about 90% (10% development time)"),
    REAL("caseload", "agency_cap_share", agency_cap_share, "fraction", 0, 2, "1.0",
         "agency workers' caps as a share of a full caseload", ASSUMPTION),
    REAL("caseload", "over_cap_margin", over_cap_margin, "fraction", 0, 5, "0.2",
         "share above cap a manager may allocate when the waiting list is over the threshold",
         ASSUMPTION),
    REAL("caseload", "pressure_threshold", pressure_threshold, "cases/FTE", 0, 1000, "1.0",
         "waiting-list size per FTE that triggers over-cap allocation and early closures",
         ASSUMPTION),
    REAL("caseload", "early_close_factor", early_close_factor, "multiplier", 0.05, 1, "0.7",
         "multiplier on CIN plan duration under waiting-list pressure", ASSUMPTION),
    REAL("caseload", "high_risk_min_experience_years", high_risk_min_experience_years, "years", 0,
         45, "2", "experience needed to be allocated a high-risk case when anyone has room",
         ASSUMPTION),
    REAL("caseload", "comfortable_load", comfortable_load, "load ratio", 0.1, 5, "0.9",
         "load (share of capacity) below which burnout recovers", ASSUMPTION),

    /* [worker] */
    REAL("worker", "hours_per_week", hours_per_week, "hours/week", 1, 80, "37",
         "contracted hours of a full-time worker", "standard local government contract"),
    REAL("worker", "max_overtime_hours", max_overtime_hours, "hours/week", 0, 60, "10",
         "most unpaid overtime a worker puts in", "typically up to about 10 unpaid hours a week"),
    REAL("worker", "direct_time_share", direct_time_share, "fraction", 0.01, 1, "0.2",
         "share of working hours spent in direct work with families",
         "under 20% direct, about 50% recording and admin, in one national study"),
    REAL("worker", "direct_hours_per_point", direct_hours_per_point, "hours/week per point", 0.001,
         40, "0.45", "direct hours a week one caseload point needs",
         "fitted: about 5 unpaid hours a week at the national caseload (surveys: up to 10)"),
    REAL("worker", "leave_weeks_per_year", leave_weeks_per_year, "weeks/year", 0, 20, "5.4",
         "annual leave, bank holidays excluded", "typical local government entitlement"),
    REAL("worker", "quality_max", quality_max, "probability", 0, 1, "0.92",
         "probability an experienced, rested worker recognises a child's true risk", ASSUMPTION),
    REAL("worker", "quality_experience_loss", quality_experience_loss, "probability", 0, 1, "0.25",
         "loss of recognition probability at zero experience", ASSUMPTION),
    REAL("worker", "quality_experience_years", quality_experience_years, "years", 0.01, 40, "2",
         "time constant over which the inexperience loss fades", ASSUMPTION),
    REAL("worker", "quality_burnout_loss", quality_burnout_loss, "probability", 0, 1, "0.2",
         "loss of recognition probability at burnout 100", ASSUMPTION),
    REAL("worker", "quality_overload_loss", quality_overload_loss, "probability per unit load", 0,
         5, "0.3", "loss of recognition probability per unit of load above 1", ASSUMPTION),
    REAL("worker", "quality_supervision_loss", quality_supervision_loss, "probability", 0, 1, "0.1",
         "loss of recognition probability with no supervision at all", ASSUMPTION),
    REAL("worker", "duty_quality", duty_quality, "probability", 0, 1, "0.4",
         "probability of recognising risk in a one-off duty contact", ASSUMPTION),
    REAL("worker", "duty_contacts_per_month", duty_contacts_per_month, "contacts/month", 0, 30,
         "1", "one-off duty contacts a month with a child on the waiting list (0: none)",
         ASSUMPTION),
    REAL("worker", "visit_retry_wd", visit_retry_wd, "working days", 0.5, 260, "5",
         "working days until a due visit the worker could not make is tried again",
         "assumption: rebooked for the next week"),
    REAL("worker", "permanent_cost_per_year", permanent_cost_per_year, "GBP/year", 0, 1e7, "55000",
         "cost of a permanent full-time worker, on-costs included", ASSUMPTION),
    REAL("worker", "agency_cost_factor", agency_cost_factor, "multiplier", 0.1, 20, "2.0",
         "agency hourly cost as a multiple of permanent",
         "agency staff cost about twice as much per hour"),
    REAL("worker", "nqsw_cost_factor", nqsw_cost_factor, "multiplier", 0.1, 5, "0.8",
         "NQSW cost as a multiple of permanent", ASSUMPTION),

    /* [burnout] */
    REAL("burnout", "initial", burnout_initial, "points (0-100)", 0, 100, "55",
         "mean burnout at the start", ASSUMPTION),
    REAL("burnout", "reference", burnout_reference, "points (0-100)", 0, 100, "63",
         "burnout at which sickness and turnover run at their base rates",
         "Copenhagen Burnout Inventory: UK social workers about 63 work-related"),
    REAL("burnout", "gain", burnout_gain, "points/week per unit load", 0, 100, "12",
         "rise a week per unit of load above the comfortable load",
         "assumption: gives mean burnout about 53 in baseline.ini, below the CBI score of UK "
         "social workers (about 63 work-related)"),
    REAL("burnout", "overtime_gain", burnout_overtime_gain, "points/week per 10 hours", 0, 100, "2",
         "rise a week per 10 hours of unpaid overtime", ASSUMPTION),
    REAL("burnout", "recovery", burnout_recovery, "fraction/week", 0, 1, "0.1",
         "share of the distance to the floor recovered a week at comfortable load", ASSUMPTION),
    REAL("burnout", "floor", burnout_floor, "points (0-100)", 0, 100, "30",
         "level recovery tends to", ASSUMPTION),
    REAL("burnout", "supervision_weight", burnout_supervision_weight, "fraction", 0, 1, "0.3",
         "share of recovery that needs supervision received", ASSUMPTION),
    REAL("burnout", "leave_recovery", burnout_leave_recovery, "multiplier", 1, 50, "3",
         "multiplier on recovery in a week of leave", ASSUMPTION),

    /* [sickness] */
    REAL("sickness", "spells_per_year", sickness_spells_per_year, "spells/year", 0, 100, "1.37",
         "sickness spells a year at the reference burnout",
         "calibrated to 3.1% of working days lost (DfE 2021)"),
    REAL("sickness", "burnout_factor", sickness_burnout_factor, "multiplier per 10 points", 1, 10,
         "1.15", "multiplier on the spell rate per 10 burnout points above the reference",
         ASSUMPTION),
    REAL("sickness", "long_share", sickness_long_share, "fraction", 0, 1, "0.12",
         "share of spells that are long-term", ASSUMPTION),
    REAL("sickness", "short_mean_wd", sickness_short_mean_wd, "working days", 0.1, 100, "3",
         "mean length of a short spell", ASSUMPTION),
    REAL("sickness", "long_mean_wd", sickness_long_mean_wd, "working days", 1, 1000, "35",
         "mean length of a long-term spell", ASSUMPTION),
    REAL("sickness", "reallocate_after_wd", sickness_reallocate_after_wd, "working days", 0, 1000,
         "20", "absence after which an absent worker's cases go back for allocation", ASSUMPTION),

    /* [turnover] */
    REAL("turnover", "annual_rate", turnover_annual_rate, "per year", 0, 5, "0.151",
         "resignations a year of a permanent worker with 5+ years' service at reference burnout",
         "calibrated to 15.4% turnover overall (DfE 2021)"),
    REAL("turnover", "intention_share", turnover_intention_share, "fraction", 0.001, 0.999, "0.5",
         "share intending to leave at the reference burnout",
         "over half of social workers intend to leave within 18 months"),
    REAL("turnover", "intention_lapse", turnover_intention_lapse, "per year", 0, 100, "1.0",
         "rate at which an intention to leave lapses", ASSUMPTION),
    REAL("turnover", "burnout_factor", turnover_burnout_factor, "multiplier per 10 points", 1, 10,
         "1.3", "multiplier on forming an intention to leave per 10 burnout points", ASSUMPTION),
    REAL("turnover", "early_service_factor", turnover_early_service_factor, "multiplier", 0.1, 20,
         "1.6", "multiplier on resignation with under 5 years' experience (standing in for service)",
         "70% of leavers had under 5 years' service"),
    REAL("turnover", "agency_factor", turnover_agency_factor, "multiplier", 0.1, 50, "2.0",
         "multiplier on leaving for agency workers", ASSUMPTION),
    REAL("turnover", "agency_load_factor", turnover_agency_load_factor, "per unit load", 0, 50,
         "1.0", "extra agency leaving per unit of load above the comfortable load", ASSUMPTION),
    REAL("turnover", "to_agency_share", turnover_to_agency_share, "fraction", 0, 1, "0.23",
         "share of leavers who go to agency work",
         "2.6% of the workforce a year go to agency work against 8.6% who leave"),
    REAL("turnover", "notice_weeks_permanent", notice_weeks_permanent, "weeks", 0, 52, "4",
         "notice period of a permanent worker", "typical contract: 4 weeks"),
    REAL("turnover", "notice_weeks_agency", notice_weeks_agency, "weeks", 0, 52, "4",
         "notice period of an agency worker", "agency rules since 2024: 4 weeks"),

    /* [recruitment] */
    REAL("recruitment", "hire_mean_days", hire_mean_days, "days", 1, 3650, "120",
         "mean time one recruitment campaign takes (campaigns repeat until one appoints, "
         "so the time to hire is longer: docs/model.md)",
         "no national figure; assumption, about 4 months"),
    REAL("recruitment", "hire_cv", hire_cv, "ratio", 0, 5, "0.5",
         "coefficient of variation of the campaign time", ASSUMPTION),
    REAL("recruitment", "hire_success", hire_success, "probability", 0.001, 1, "0.167",
         "probability a campaign appoints someone in an average market",
         "fitted: 16.7% vacancy rate (DfE workforce 2021)"),
    REAL("recruitment", "new_hire_experience_mean_years", new_hire_experience_mean_years, "years",
         0, 40, "4", "mean experience of a permanent new hire", ASSUMPTION),
    REAL("recruitment", "agency_cover_share", agency_cover_share, "fraction", 0, 1, "1",
         "share of vacancies covered by agency staff",
         "fitted: 15.5% agency rate (DfE 2021); nationally about 74% of vacancies are covered, and agency staff also cover absence, which the model does not separate"),
    REAL("recruitment", "agency_lag_days", agency_lag_days, "days", 0, 365, "21",
         "time from a vacancy to agency cover arriving", ASSUMPTION),
    REAL("recruitment", "agency_experience_min_years", agency_experience_min_years, "years", 0, 40,
         "3", "least experience of an agency worker", "agencies require about 3 years"),
    REAL("recruitment", "nqsw_cohort_size", nqsw_cohort_size, "NQSWs", 0, 100000, "0.5",
         "expected newly qualified social workers joining each cohort month (Poisson mean)",
         ASSUMPTION),
    INT("recruitment", "nqsw_cohort_month", nqsw_cohort_month, "month", 1, 12, "9",
        "month the NQSW cohort joins (1 = January)", "ASYE cohorts start in September"),
    REAL("recruitment", "market_tightness", market_tightness, "multiplier", 0.1, 10, "1",
         "labour market tightness: 1 = average, above 1 harder to hire", ASSUMPTION),

    /* [supervision] */
    REAL("supervision", "manager_hours_per_week", manager_hours_per_week, "hours/week", 0, 80, "10",
         "hours a week each manager has for supervision", ASSUMPTION),
    REAL("supervision", "hours_per_worker_month", hours_per_worker_month, "hours/month", 0, 40,
         "1.5", "supervision a permanent or agency worker needs a month",
         "typical policy: monthly supervision of about 1.5 hours"),
    REAL("supervision", "nqsw_session_hours", nqsw_session_hours, "hours", 0, 10, "1.5",
         "length of one supervision session of an NQSW", ASSUMPTION),
    REAL("supervision", "nqsw_weekly_weeks", nqsw_weekly_weeks, "weeks", 0, 52, "6",
         "an NQSW is supervised weekly for this many weeks from starting",
         "ASYE: weekly for the first 6 weeks"),
    REAL("supervision", "nqsw_fortnightly_months", nqsw_fortnightly_months, "months", 0, 12, "6",
         "then fortnightly until this many months from starting, then monthly",
         "ASYE: at least fortnightly for the first 6 months, monthly after"),
    REAL("supervision", "hours_per_unallocated_case", hours_per_unallocated_case,
         "hours/week per case", 0, 40, "0.25", "manager time a week each unallocated case eats",
         ASSUMPTION),
    REAL("supervision", "hours_per_escalation", hours_per_escalation, "hours", 0, 40, "0.5",
         "manager time each duty escalation eats", ASSUMPTION),

    /* [policy] */
    BOOL("policy", "retention_bonus", retention_bonus, "false",
         "pay a retention bonus to permanent staff", "policy switch"),
    REAL("policy", "retention_bonus_factor", retention_bonus_factor, "multiplier", 0, 1, "0.7",
         "multiplier on resignation while the bonus is paid", ASSUMPTION),
    REAL("policy", "retention_bonus_cost", retention_bonus_cost, "GBP/FTE/year", 0, 1e6, "3000",
         "bonus cost per permanent FTE a year", ASSUMPTION),
    BOOL("policy", "retention_leave", retention_leave, "false",
         "give extra leave after some years' service", "policy switch"),
    REAL("policy", "retention_leave_after_years", retention_leave_after_years, "years", 0, 45, "3",
         "service after which the extra leave applies",
         "one authority's package: retention leave after 3 years"),
    REAL("policy", "retention_leave_weeks", retention_leave_weeks, "weeks/year", 0, 20, "1",
         "extra leave a year", ASSUMPTION),
    REAL("policy", "support_staff_direct_share", support_staff_direct_share, "fraction", 0, 1, "0",
         "share added to direct time by support staff taking over tasks", "policy switch"),
    REAL("policy", "support_staff_cost", support_staff_cost, "GBP/year", 0, 1e8, "0",
         "yearly cost of the support staff", "policy switch"),
    REAL("policy", "pay_premium", pay_premium, "fraction", 0, 2, "0",
         "pay premium over the market, e.g. 0.05 = +5%", "policy switch"),
    REAL("policy", "pay_premium_hire_effect", pay_premium_hire_effect, "per 10% premium", 0, 10,
         "0.1", "gain in hire success per 10% of pay premium", ASSUMPTION),
    REAL("policy", "pay_premium_retention_effect", pay_premium_retention_effect, "per 10% premium",
         0, 1, "0.1", "cut in resignation per 10% of pay premium", ASSUMPTION),
    REAL("policy", "agency_cap", agency_cap, "fraction", 0, 2, "1.0",
         "most agency FTE allowed, as a share of the establishment", "policy switch"),
    REAL("policy", "caseload_target", caseload_target, "cases/FTE", 0, 500, "0",
         "caseload target replacing caseload.cap_cases; 0 = none", "policy switch"),

    /* [harm] */
    LIST("harm", "rate", harm_rate, "events/child-year", CP_RISK_LEVELS, 0, 100, "0.0001 0.0006 0.003",
         "serious harm events per child-year when unprotected, for low, medium, high risk",
         "uncertain: nationally about 400-480 serious incident notifications a year"),
    REAL("harm", "protection_effect", protection_effect, "fraction", 0, 1, "0.8",
         "hazard cut when an allocated worker visits on time and recognises the risk", ASSUMPTION),
    REAL("harm", "duty_protection_effect", duty_protection_effect, "fraction", 0, 1, "0.2",
         "hazard cut under duty cover", ASSUMPTION),
    REAL("harm", "escalation_rate", escalation_rate, "per year", 0, 100, "0.5",
         "rate at which a medium true risk rises to high while unprotected", ASSUMPTION),
    REAL("harm", "deescalation_rate", deescalation_rate, "per year", 0, 100, "1.0",
         "rate at which true risk falls one level under full protection (an effective plan)", ASSUMPTION),
    REAL("harm", "closed_followup_days", closed_followup_days, "days", 0, 3650, "365",
         "how long a closed case stays at risk of harm being counted",
         "MODEL.md: cases closed within the last 12 months"),

    /* [inspection] */
    REAL("inspection", "interval_years", inspection_interval_years, "years", 0.1, 50, "3",
         "time between inspections", "Ofsted ILACS: about every 3 years"),
    REAL("inspection", "inadequate_threshold", inadequate_threshold, "score", 0, 10, "0.5",
         "indicator score above which the service is rated inadequate", ASSUMPTION),
    REAL("inspection", "effect_years", inadequate_effect_years, "years", 0, 50, "2",
         "how long an inadequate rating's effects last", ASSUMPTION),
    REAL("inspection", "risk_aversion_multiplier", inadequate_risk_aversion, "multiplier", 0.1, 10,
         "1.3", "multiplier on risk aversion after an inadequate rating", ASSUMPTION),
    REAL("inspection", "hire_factor", inadequate_hire_factor, "multiplier", 0, 1, "0.7",
         "multiplier on hire success after an inadequate rating", ASSUMPTION),
    REAL("inspection", "turnover_factor", inadequate_turnover_factor, "multiplier", 0.1, 10, "1.2",
         "multiplier on resignation after an inadequate rating",
         "inadequate authorities: turnover 18.2% against 15.4% average (DfE 2021)"),
    BOOL("inspection", "start_inadequate", start_inadequate, "false",
         "the run starts just after an inadequate rating", ASSUMPTION),

    /* [mechanisms] */
    BOOL("mechanisms", "burnout", mech_burnout, "true",
         "burnout rises and recovers (off: it stays at burnout.reference)", "MODEL.md section 4"),
    BOOL("mechanisms", "sickness", mech_sickness, "true", "sickness absence happens",
         "MODEL.md section 4"),
    BOOL("mechanisms", "turnover", mech_turnover, "true", "workers resign", "MODEL.md section 4"),
    BOOL("mechanisms", "recruitment", mech_recruitment, "true",
         "vacancies are recruited to and covered by agency staff (off: the posts start filled "
         "by permanent staff, nobody is hired and a post that falls vacant stays vacant)",
         "MODEL.md section 4"),
    BOOL("mechanisms", "triage_errors", mech_triage_errors, "true",
         "screeners, workers and duty misjudge risk (off: every screening, assessment, enquiry, "
         "visit and duty contact sees the true risk)",
         "MODEL.md section 4"),
    BOOL("mechanisms", "rereferral", mech_rereferral, "true", "closed cases re-refer",
         "MODEL.md section 4"),
    BOOL("mechanisms", "harm", mech_harm, "true", "serious harm events happen",
         "MODEL.md section 4"),
    BOOL("mechanisms", "inspection", mech_inspection, "false",
         "inspections rate the service and feed back", "MODEL.md section 4"),
};

#define SCHEMA_COUNT (sizeof schema / sizeof schema[0])
static_assert(SCHEMA_COUNT <= SCENARIO_SCHEMA_CAPACITY, "raise SCENARIO_SCHEMA_CAPACITY");
/* Choice fields are written through an int; the enum must be one. */
static_assert(sizeof(cp_duration_dist) == sizeof(int), "choice fields are stored as int");

size_t cp_schema_count(void) {
    return SCHEMA_COUNT;
}

const cp_schema_entry *cp_schema_at(size_t index) {
    return index < SCHEMA_COUNT ? &schema[index] : NULL;
}

bool cp_schema_is_shock(const cp_schema_entry *entry) {
    return entry && strcmp(entry->section, SCENARIO_SHOCK_TEMPLATE) == 0;
}

static bool is_shock_section(const char *section) {
    return strncasecmp(section, SCENARIO_SHOCK_PREFIX, strlen(SCENARIO_SHOCK_PREFIX)) == 0 &&
           section[strlen(SCENARIO_SHOCK_PREFIX)] != '\0';
}

const cp_schema_entry *cp_schema_find(const char *section, const char *key) {
    if (!section || !key)
        return NULL;
    /* Any shock.NAME resolves to the template; the name itself is checked
     * by the loader, which can say what is wrong with it. */
    const char *wanted = is_shock_section(section) ? SCENARIO_SHOCK_TEMPLATE : section;
    for (size_t i = 0; i < SCHEMA_COUNT; i++)
        if (strcasecmp(schema[i].section, wanted) == 0 && strcasecmp(schema[i].key, key) == 0)
            return &schema[i];
    return NULL;
}

bool scenario_is_section(const char *name) {
    for (size_t i = 0; i < SCHEMA_COUNT; i++)
        if (!cp_schema_is_shock(&schema[i]) && strcasecmp(schema[i].section, name) == 0)
            return true;
    return false;
}

bool scenario_shock_name_ok(const char *name, char *why, size_t why_size) {
    size_t length = strlen(name);
    if (length == 0) {
        snprintf(why, why_size, "a shock needs a name: write [shock.NAME], e.g. [shock.babyp]");
        return false;
    }
    if (length >= CP_SHOCK_NAME_MAX) {
        snprintf(why, why_size, "shock name is %zu characters long; at most %d are allowed", length,
                 CP_SHOCK_NAME_MAX - 1);
        return false;
    }
    for (size_t i = 0; i < length; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        if (!ok) {
            snprintf(why, why_size,
                     "shock name \"%s\" has the character '%c'; allowed: letters, digits, '-' "
                     "and '_'",
                     name, c);
            return false;
        }
    }
    return true;
}

size_t scenario_field_size(const cp_schema_entry *entry) {
    switch (entry->type) {
    case CP_TYPE_INT:
    case CP_TYPE_CHOICE:
        return sizeof(int);
    case CP_TYPE_UINT64:
        return sizeof(uint64_t);
    case CP_TYPE_REAL:
        return sizeof(double);
    case CP_TYPE_BOOL:
        return sizeof(bool);
    case CP_TYPE_REAL_LIST:
        return sizeof(double) * (size_t)entry->list_length;
    case CP_TYPE_STRING:
    default:
        return 0;
    }
}

const char *cp_schema_type_name(const cp_schema_entry *entry) {
    switch (entry->type) {
    case CP_TYPE_INT:
        return "int";
    case CP_TYPE_UINT64:
        return "uint64";
    case CP_TYPE_REAL:
        return "real";
    case CP_TYPE_BOOL:
        return "bool";
    case CP_TYPE_CHOICE:
        return "choice";
    case CP_TYPE_REAL_LIST:
        /* The list lengths in use; a new one needs a line here. */
        if (entry->list_length == CP_MONTHS)
            return "real[12]";
        if (entry->list_length == CP_RISK_LEVELS)
            return "real[3]";
        return "real[]";
    case CP_TYPE_STRING:
        return "string";
    }
    return "unknown";
}

void cp_schema_range_text(const cp_schema_entry *entry, char *buf, size_t size) {
    char lo[40], hi[40];
    switch (entry->type) {
    case CP_TYPE_BOOL:
        snprintf(buf, size, "true|false");
        return;
    case CP_TYPE_CHOICE:
        snprintf(buf, size, "%s", entry->choices);
        return;
    case CP_TYPE_UINT64:
        /* A double cannot print 2^64-1 exactly; the full range is the point. */
        snprintf(buf, size, "[0, 18446744073709551615]");
        return;
    case CP_TYPE_STRING:
        snprintf(buf, size, "text");
        return;
    case CP_TYPE_INT:
    case CP_TYPE_REAL:
    case CP_TYPE_REAL_LIST:
        break;
    }
    scenario_format_real(entry->min, lo, sizeof lo);
    scenario_format_real(entry->max, hi, sizeof hi);
    if (entry->type == CP_TYPE_REAL_LIST)
        snprintf(buf, size, "%d numbers, each in [%s, %s]", entry->list_length, lo, hi);
    else
        snprintf(buf, size, "[%s, %s]", lo, hi);
}

void cp_config_defaults(cp_config *cfg) {
    /* Zero first, padding included, so two configs with the same values
     * compare equal with memcmp (to_ini round-trips rely on it). */
    memset(cfg, 0, sizeof *cfg);
    char msg[512];
    for (size_t i = 0; i < SCHEMA_COUNT; i++) {
        const cp_schema_entry *e = &schema[i];
        if (cp_schema_is_shock(e))
            continue; /* no shocks by default; their defaults apply per shock */
        bool ok =
            scenario_parse_value(e, e->default_text, (char *)cfg + e->offset, msg, sizeof msg);
        CP_ASSERT(ok && "schema default does not parse");
    }
    cfg->shock_count = 0;
}

void scenario_shock_defaults(cp_shock_config *shock, const char *name) {
    memset(shock, 0, sizeof *shock);
    size_t length = strlen(name);
    CP_ASSERT(length < sizeof shock->name);
    memcpy(shock->name, name, length);
    char msg[512];
    for (size_t i = 0; i < SCHEMA_COUNT; i++) {
        const cp_schema_entry *e = &schema[i];
        if (!cp_schema_is_shock(e))
            continue;
        bool ok =
            scenario_parse_value(e, e->default_text, (char *)shock + e->offset, msg, sizeof msg);
        CP_ASSERT(ok && "shock default does not parse");
    }
}
