/* cpsim/config.h: the model's plain, validated configuration.
 *
 * Contract: the model receives only this struct, never the INI dictionary.
 * Every field has exactly one scenario key (section.key in the comment);
 * the scenario layer's schema table (sim/scenario/schema.c) holds its type,
 * unit, range, default and description, and is the single source of truth
 * for `cpsim keys`, validation and docs/scenario-reference.md. A config
 * produced by cp_scenario_load has passed every range check; the model may
 * still assert its invariants.
 *
 * Units: times in calendar days unless the name says otherwise (_wd working
 * days, _weeks, _years, _hours); rates per year unless named; shares and
 * probabilities are fractions in [0, 1].
 */
#ifndef CPSIM_CONFIG_H
#define CPSIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define CP_MAX_SHOCKS 16
#define CP_SHOCK_NAME_MAX 48
#define CP_RISK_LEVELS 3 /* low, medium, high */
#define CP_MONTHS 12

typedef enum cp_duration_dist { CP_DIST_LOGNORMAL = 0, CP_DIST_GAMMA = 1 } cp_duration_dist;

/* One stage of the case pathway: [assessment], [s47], [cin], [cp], [proceedings]. */
typedef struct cp_stage_config {
    double weight;             /* .weight: caseload points while in this stage */
    double visit_interval_wd;  /* .visit_interval_wd: statutory/expected visit interval */
    double duration_mean_wd;   /* .duration_mean_wd: working days of work at normal load */
    double duration_cv;        /* .duration_cv: coefficient of variation (sd/mean) */
    cp_duration_dist duration_dist; /* .duration_dist: lognormal | gamma */
} cp_stage_config;

typedef enum cp_stage_id {
    CP_STAGE_ASSESSMENT = 0,
    CP_STAGE_S47,
    CP_STAGE_CIN,
    CP_STAGE_CP,
    CP_STAGE_PROCEEDINGS,
    CP_STAGE_COUNT
} cp_stage_id;

/* A named shock: section [shock.NAME]. */
typedef struct cp_shock_config {
    char name[CP_SHOCK_NAME_MAX];
    double start_years;             /* .start_years: from the start of the run */
    double length_years;            /* .length_years */
    double arrival_multiplier;      /* .arrival_multiplier */
    double risk_aversion_multiplier; /* .risk_aversion_multiplier */
} cp_shock_config;

typedef struct cp_config {
    /* [simulation] */
    double years;                 /* simulation.years: run length after warm-up */
    double warmup_years;          /* simulation.warmup_years */
    int replications;             /* simulation.replications */
    uint64_t seed;                /* simulation.seed */
    double timeseries_interval_days; /* simulation.timeseries_interval_days */

    /* [calendar] */
    int bank_holidays_per_year;   /* calendar.bank_holidays_per_year */

    /* [demand] */
    double referrals_per_week;    /* demand.referrals_per_week */
    double growth_per_year;       /* demand.growth_per_year: e.g. 0.02 = +2% a year */
    double seasonal[CP_MONTHS];   /* demand.seasonal: 12 monthly multipliers, Jan..Dec */
    double risk_mix[CP_RISK_LEVELS]; /* demand.risk_mix: low, medium, high shares (sum 1) */
    int shock_count;
    cp_shock_config shocks[CP_MAX_SHOCKS];

    /* [triage] front door */
    double nfa_share;             /* triage.nfa_share: low/medium referrals closed at the door */
    double screen_out_high_base;  /* triage.screen_out_high_base: P(high risk screened out), expert, normal load */
    double screen_inexperience_factor; /* triage.screen_inexperience_factor: x error when screener < 2 years */
    double screen_load_factor;    /* triage.screen_load_factor: extra error per unit duty overload */
    double duty_referrals_per_day; /* triage.duty_referrals_per_day: screening capacity of one duty worker */
    double risk_aversion;         /* triage.risk_aversion: 1 = national average */
    double direct_s47_share;      /* triage.direct_s47_share: share of referrals judged high risk at the door that go straight to s47 */

    /* [pathway] routing */
    bool single_stage;            /* pathway.single_stage */
    double single_stage_mean_days; /* pathway.single_stage_mean_days */
    double close_after_assessment_low;   /* pathway.close_after_assessment_low */
    double close_after_assessment_medium; /* pathway.close_after_assessment_medium */
    double s47_after_assessment_medium;  /* pathway.s47_after_assessment_medium */
    double s47_after_assessment_low;     /* pathway.s47_after_assessment_low: raised by risk aversion */
    double icpc_share_high;       /* pathway.icpc_share_high: s47 -> ICPC when risk is high */
    double icpc_share_other;      /* pathway.icpc_share_other: s47 -> ICPC otherwise */
    double proceedings_share_high; /* pathway.proceedings_share_high: CP plan -> proceedings if still high */
    double cin_after_cp_share;    /* pathway.cin_after_cp_share: CP plan end -> CIN step-down */
    bool care_order_leaves_team;  /* pathway.care_order_leaves_team */
    double rereferral_base;       /* pathway.rereferral_base: P(re-referral within 12 months) after a proper closure */
    double rereferral_early_close_factor; /* pathway.rereferral_early_close_factor */
    double rereferral_wrong_close_factor; /* pathway.rereferral_wrong_close_factor */
    double rework_share;          /* pathway.rework_share: share of assessment redone on a change of worker */
    double familiarity_visits;    /* pathway.familiarity_visits: visits for a new worker to know the child */
    cp_stage_config stage[CP_STAGE_COUNT];

    /* [team] */
    double social_workers;        /* team.social_workers: established posts (FTE) */
    int team_managers;            /* team.team_managers */
    double initial_vacancy_share; /* team.initial_vacancy_share */
    double initial_agency_share;  /* team.initial_agency_share: of establishment */
    double initial_nqsw_share;    /* team.initial_nqsw_share: of filled posts */
    double experience_mean_years; /* team.experience_mean_years: permanent staff */

    /* [caseload] */
    double cap_cases;             /* caseload.cap_cases: per full-time permanent worker */
    double cap_points;            /* caseload.cap_points: weighted cap per full-time permanent worker */
    double nqsw_cap_share;        /* caseload.nqsw_cap_share: NQSW protected caseload */
    double agency_cap_share;      /* caseload.agency_cap_share */
    double over_cap_margin;       /* caseload.over_cap_margin: allowed above cap under pressure */
    double pressure_threshold;    /* caseload.pressure_threshold: waiting-list size (cases per FTE) that triggers over-cap and early closure */
    double early_close_factor;    /* caseload.early_close_factor: CIN duration multiplier under pressure */
    double high_risk_min_experience_years; /* caseload.high_risk_min_experience_years */
    double comfortable_load;      /* caseload.comfortable_load: load ratio below which burnout recovers */

    /* [worker] */
    double hours_per_week;        /* worker.hours_per_week: contracted */
    double max_overtime_hours;    /* worker.max_overtime_hours: unpaid, per week */
    double direct_time_share;     /* worker.direct_time_share */
    double direct_hours_per_point; /* worker.direct_hours_per_point: per week */
    double leave_weeks_per_year;  /* worker.leave_weeks_per_year */
    double quality_max;           /* worker.quality_max: P(recognise risk), expert, rested */
    double quality_experience_loss; /* worker.quality_experience_loss: at 0 years */
    double quality_experience_years; /* worker.quality_experience_years: time constant */
    double quality_burnout_loss;  /* worker.quality_burnout_loss: at burnout 100 */
    double quality_overload_loss; /* worker.quality_overload_loss: per unit load above 1 */
    double quality_supervision_loss; /* worker.quality_supervision_loss: with no supervision */
    double duty_quality;          /* worker.duty_quality: P(recognise) under duty cover */
    double duty_contacts_per_month; /* worker.duty_contacts_per_month: with a waiting child */
    double visit_retry_wd;        /* worker.visit_retry_wd: a missed visit is tried again after */
    double permanent_cost_per_year; /* worker.permanent_cost_per_year: GBP, on-costs included */
    double agency_cost_factor;    /* worker.agency_cost_factor: x permanent hourly cost */
    double nqsw_cost_factor;      /* worker.nqsw_cost_factor */

    /* [burnout] */
    double burnout_initial;       /* burnout.initial: mean at start */
    double burnout_reference;     /* burnout.reference: level at which turnover is at its base rate */
    double burnout_gain;          /* burnout.gain: points a week per unit load above comfortable */
    double burnout_overtime_gain; /* burnout.overtime_gain: points a week per 10 unpaid hours */
    double burnout_recovery;      /* burnout.recovery: share of distance to floor recovered a week */
    double burnout_floor;         /* burnout.floor */
    double burnout_supervision_weight; /* burnout.supervision_weight: share of recovery that needs supervision */
    double burnout_leave_recovery; /* burnout.leave_recovery: recovery multiplier in a leave week */

    /* [sickness] */
    double sickness_spells_per_year; /* sickness.spells_per_year: at reference burnout */
    double sickness_burnout_factor;  /* sickness.burnout_factor: x rate per 10 burnout points */
    double sickness_long_share;   /* sickness.long_share */
    double sickness_short_mean_wd; /* sickness.short_mean_wd */
    double sickness_long_mean_wd; /* sickness.long_mean_wd */
    double sickness_reallocate_after_wd; /* sickness.reallocate_after_wd */

    /* [turnover] */
    double turnover_annual_rate;  /* turnover.annual_rate: resignations a year, permanent, 5+ years, reference burnout */
    double turnover_intention_share; /* turnover.intention_share: at reference burnout */
    double turnover_intention_lapse; /* turnover.intention_lapse: per year */
    double turnover_burnout_factor; /* turnover.burnout_factor: x intention formation per 10 points */
    double turnover_early_service_factor; /* turnover.early_service_factor: < 5 years' service */
    double turnover_agency_factor; /* turnover.agency_factor */
    double turnover_agency_load_factor; /* turnover.agency_load_factor: extra per unit load above comfortable */
    double turnover_to_agency_share; /* turnover.to_agency_share: leavers who go to agency work */
    double notice_weeks_permanent; /* turnover.notice_weeks_permanent */
    double notice_weeks_agency;   /* turnover.notice_weeks_agency */

    /* [recruitment] */
    double hire_mean_days;        /* recruitment.hire_mean_days: one campaign */
    double hire_cv;               /* recruitment.hire_cv */
    double hire_success;          /* recruitment.hire_success: P(a campaign appoints) */
    double new_hire_experience_mean_years; /* recruitment.new_hire_experience_mean_years */
    double agency_cover_share;    /* recruitment.agency_cover_share */
    double agency_lag_days;       /* recruitment.agency_lag_days */
    double agency_experience_min_years; /* recruitment.agency_experience_min_years */
    double nqsw_cohort_size;      /* recruitment.nqsw_cohort_size: expected starters each cohort month (Poisson) */
    int nqsw_cohort_month;        /* recruitment.nqsw_cohort_month: 1-12 */

    /* [supervision] */
    double manager_hours_per_week; /* supervision.manager_hours_per_week: per manager, for supervision */
    double hours_per_worker_month; /* supervision.hours_per_worker_month: permanent/agency */
    double nqsw_session_hours;    /* supervision.nqsw_session_hours */
    double nqsw_weekly_weeks;     /* supervision.nqsw_weekly_weeks: weekly sessions at first */
    double nqsw_fortnightly_months; /* supervision.nqsw_fortnightly_months: then fortnightly */
    double hours_per_unallocated_case; /* supervision.hours_per_unallocated_case: a week */
    double hours_per_escalation;  /* supervision.hours_per_escalation */

    /* [policy] */
    bool retention_bonus;         /* policy.retention_bonus */
    double retention_bonus_factor; /* policy.retention_bonus_factor: x resignation */
    double retention_bonus_cost;  /* policy.retention_bonus_cost: GBP per permanent FTE a year */
    bool retention_leave;         /* policy.retention_leave */
    double retention_leave_after_years; /* policy.retention_leave_after_years */
    double retention_leave_weeks; /* policy.retention_leave_weeks: extra leave a year */
    double support_staff_direct_share; /* policy.support_staff_direct_share: added to direct_time_share */
    double support_staff_cost;    /* policy.support_staff_cost: GBP a year */
    double pay_premium;           /* policy.pay_premium: e.g. 0.05 = +5% pay */
    double pay_premium_hire_effect; /* policy.pay_premium_hire_effect: hire success gain per 10% */
    double pay_premium_retention_effect; /* policy.pay_premium_retention_effect: resignation cut per 10% */
    double agency_cap;            /* policy.agency_cap: max agency share of establishment */
    double caseload_target;       /* policy.caseload_target: 0 = none; else replaces cap_cases */

    /* [harm] */
    double harm_rate[CP_RISK_LEVELS]; /* harm.rate: serious harm events per child-year, low/medium/high */
    double protection_effect;     /* harm.protection_effect: hazard cut when protected */
    double duty_protection_effect; /* harm.duty_protection_effect */
    double escalation_rate;       /* harm.escalation_rate: per year, one level, while unprotected */
    double deescalation_rate;     /* harm.deescalation_rate: per year, one level, under an effective plan */
    double closed_followup_days;  /* harm.closed_followup_days */

    /* [inspection] */
    double inspection_interval_years; /* inspection.interval_years */
    double inadequate_threshold;  /* inspection.inadequate_threshold: score above which rated inadequate */
    double inadequate_effect_years; /* inspection.effect_years */
    double inadequate_risk_aversion; /* inspection.risk_aversion_multiplier */
    double inadequate_hire_factor; /* inspection.hire_factor */
    double inadequate_turnover_factor; /* inspection.turnover_factor */
    bool start_inadequate;        /* inspection.start_inadequate */
    double market_tightness;      /* recruitment.market_tightness: 1 = average; >1 harder to hire */

    /* [mechanisms]: each switches its mechanism off entirely when false */
    bool mech_burnout;            /* mechanisms.burnout */
    bool mech_sickness;           /* mechanisms.sickness */
    bool mech_turnover;           /* mechanisms.turnover */
    bool mech_recruitment;        /* mechanisms.recruitment */
    bool mech_triage_errors;      /* mechanisms.triage_errors */
    bool mech_rereferral;         /* mechanisms.rereferral */
    bool mech_harm;               /* mechanisms.harm */
    bool mech_inspection;         /* mechanisms.inspection */
} cp_config;

#endif
