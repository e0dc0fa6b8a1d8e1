/* test_mechanisms_demand.c: the effect of mechanisms of demand, the front
 * door and the pathway that test_model.c does not check on their own:
 * seasonality, growth, shock windows and their risk aversion, screening
 * errors under duty load, risk aversion at the door, early closure under
 * waiting-list pressure, recognition of risk against burnout and overload,
 * de-escalation under a plan, care orders, and the working-day calendar.
 *
 * Each test was seen to fail with its mechanism taken out of the model (in a
 * scratch copy) and to pass with it in. Statistical checks state their
 * tolerance and where it comes from: a Poisson count (tolerance
 * z*sqrt(mean)) or a binomial one (z*sqrt(n p (1 - p))), at a false-alarm
 * probability of about 1e-4 per check (z = 3.9), with fixed seeds so a run
 * is reproducible. Checks of a deterministic mechanism (a duration with no
 * spread) are exact up to rounding.
 *
 * Two ways of running the model. Arrival counts come from whole
 * replications run by hand to chosen times (referral_snapshots), with a
 * front door that costs nothing after screening. Everything else uses a
 * fixture: a team with every mechanism off, no referrals and measuring from
 * time 0, into which a test puts the cases it needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpsim/model.h"
#include "cpsim/scenario.h"
#include "model/model_internal.h"
#include "model_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- whole replications: arrivals --------------------------------------- */

/* The whole model with referrals that cost nothing after the door: every
 * referral is low risk and gets no further action at its screening, with no
 * follow-up, so a replication is arrivals and daily screenings only. The
 * rate is `per_day` with no season, growth or shock, measured from time 0. */
static cp_config door_config(double per_day, double years) {
    cp_config cfg = base_config();
    all_mechanisms_off(&cfg);
    cfg.referrals_per_week = 7.0 * per_day;
    cfg.years = years;
    cfg.warmup_years = 0.0;
    cfg.growth_per_year = 0.0;
    for (int i = 0; i < CP_MONTHS; i++)
        cfg.seasonal[i] = 1.0;
    cfg.risk_mix[RISK_LOW] = 1.0;
    cfg.risk_mix[RISK_MEDIUM] = cfg.risk_mix[RISK_HIGH] = 0.0;
    cfg.nfa_share = 1.0;
    cfg.closed_followup_days = 0.0;
    return cfg;
}

typedef struct snapshot {
    double referrals; /* referrals so far */
    double s47s;      /* s47 enquiries opened so far */
    double waiting;   /* cases on the unallocated list now */
} snapshot;

/* Runs replication 0 of cfg by hand, taking a snapshot after every event at
 * or before each of the times at[0] < at[1] < ... < at[n-1]. */
static void referral_snapshots(const cp_config *cfg, const double *at, int n, snapshot *out) {
    cp_error err;
    cp_model *m = cp_model_create(cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, cfg, &err), CP_OK);
    assert_int_equal(model_begin(m, cfg->seed, 0, &r, &err), CP_OK);
    m->measuring = true;
    for (int i = 0; i < n; i++) {
        assert_true(at[i] <= m->end_time);
        cp_kernel_run_until(m->kernel, at[i]);
        out[i].referrals = (double)m->st.referrals;
        out[i].s47s = (double)m->st.s47s;
        out[i].waiting = m->n_waiting;
    }
    cp_result_fini(&r);
    cp_model_destroy(m);
}

static const int month_days[CP_MONTHS] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* One month at 2x (March) and one at 0.5x (August), the others at 1: the
 * referrals of each calendar month, summed over the years, are Poisson with
 * mean per_day x days in the month x its multiplier x years (the rate is
 * constant within a day, so the count over whole days is exactly Poisson). */
static void referrals_in_each_calendar_month_follow_its_seasonal_multiplier(void **state) {
    (void)state;
    enum { YEARS = 8 };
    const double per_day = 50.0;
    cp_config cfg = door_config(per_day, YEARS);
    cfg.seasonal[2] = 2.0;
    cfg.seasonal[7] = 0.5;
    double at[YEARS * CP_MONTHS];
    double day = 0.0;
    for (int i = 0; i < YEARS * CP_MONTHS; i++) {
        day += month_days[i % CP_MONTHS];
        at[i] = day;
    }
    assert_true(at[YEARS * CP_MONTHS - 1] == YEARS * YEAR_DAYS);
    snapshot s[YEARS * CP_MONTHS];
    referral_snapshots(&cfg, at, YEARS * CP_MONTHS, s);
    double month_total[CP_MONTHS] = {0};
    for (int i = 0; i < YEARS * CP_MONTHS; i++)
        month_total[i % CP_MONTHS] += s[i].referrals - (i ? s[i - 1].referrals : 0.0);
    static const char *const names[CP_MONTHS] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int mo = 0; mo < CP_MONTHS; mo++) {
        char what[64];
        snprintf(what, sizeof what, "referrals in %s (x%.1f)", names[mo], cfg.seasonal[mo]);
        assert_poisson(what, month_total[mo], per_day * month_days[mo] * cfg.seasonal[mo] * YEARS);
    }
}

/* At 10% growth a year, the referrals of year y are Poisson with mean the
 * sum over its days d of per_day x 1.1^(d/365) (docs/model.md: the rate is
 * constant within a day). Without growth every year's mean would be 18,250:
 * 895 (1.7 tolerances) below year 1's and 19,059 below year 8's. */
static void referrals_grow_year_by_year_at_the_growth_rate(void **state) {
    (void)state;
    enum { YEARS = 8 };
    const double per_day = 50.0, growth = 0.1;
    cp_config cfg = door_config(per_day, YEARS);
    cfg.growth_per_year = growth;
    double at[YEARS];
    for (int y = 0; y < YEARS; y++)
        at[y] = (y + 1) * YEAR_DAYS;
    snapshot s[YEARS];
    referral_snapshots(&cfg, at, YEARS, s);
    for (int y = 0; y < YEARS; y++) {
        double mean = 0.0;
        for (int d = 0; d < 365; d++)
            mean += per_day * pow(1.0 + growth, (365.0 * y + d) / YEAR_DAYS);
        char what[64];
        snprintf(what, sizeof what, "referrals in year %d", y + 1);
        assert_poisson(what, s[y].referrals - (y ? s[y - 1].referrals : 0.0), mean);
    }
}

/* A shock of x3 on arrivals from day 365 to day 511 ([start, end), whole
 * days): the referrals of each stretch around and inside the window are
 * Poisson with mean per_day x days x (3 inside, 1 outside). The single
 * days on either side of each edge pin the edges to the day: a window one
 * day early or late moves one of those means by 200 against a tolerance of
 * 39 (outside) or 68 (inside). */
static void a_shock_multiplies_arrivals_only_inside_its_window_to_the_day(void **state) {
    (void)state;
    const double per_day = 100.0, mult = 3.0;
    cp_config cfg = door_config(per_day, 2.0);
    cfg.shock_count = 1;
    snprintf(cfg.shocks[0].name, sizeof cfg.shocks[0].name, "window");
    cfg.shocks[0].start_years = 1.0;
    cfg.shocks[0].length_years = 0.4;
    cfg.shocks[0].arrival_multiplier = mult;
    cfg.shocks[0].risk_aversion_multiplier = 1.0;
    /* the window's ends in days, worked out as the model does: whole days */
    double start = cfg.shocks[0].start_years * YEAR_DAYS;
    double end = start + cfg.shocks[0].length_years * YEAR_DAYS;
    assert_true(start == 365.0 && end == 511.0);
    const double at[] = {start - 60, start - 1, start, start + 1, end - 1, end, end + 1, end + 60};
    const double factor[] = {1, 1, mult, mult, mult, 1, 1}; /* of each stretch (at[i], at[i+1]] */
    static const char *const names[] = {"59 days before", "the day before", "the first day",
                                        "inside",         "the last day",   "the day after",
                                        "59 days after"};
    enum { N = sizeof at / sizeof at[0] };
    snapshot s[N];
    referral_snapshots(&cfg, at, N, s);
    for (int i = 0; i + 1 < N; i++)
        assert_poisson(names[i], s[i + 1].referrals - s[i].referrals,
                       per_day * (at[i + 1] - at[i]) * factor[i]);
}

/* The last daily screening (17:00 on a weekday: no bank holidays here)
 * before the whole day t. */
static double last_screening_before(double t) {
    int d = (int)t - 1;
    while (d % 7 >= 5)
        d--;
    return d + DAILY_TICK_TIME;
}

/* A shock with arrivals x1 and risk aversion x2 for the second of three
 * years. Half the referrals are low risk, half high; nobody can take a case
 * (cap 0.5), so a screened referral either gets no further action (low
 * risk, probability nfa_share / RA: freed at once) or joins the list for
 * good, and the only s47 enquiries are direct ones (high risk, probability
 * direct_s47_share x RA; no screening errors). Between two screenings, the
 * referrals screened are those that arrived in between, so over a stretch
 * of length T both counts are Poisson (thinned arrivals): no further action
 * with mean per_day x T x 0.5 x nfa_share / RA, direct s47s with mean
 * per_day x T x 0.5 x direct_s47_share x RA. Screenings at or after the
 * window's start and before its end see RA = 2. */
static void
a_shocks_risk_aversion_cuts_no_further_action_and_raises_s47s_in_its_window(void **state) {
    (void)state;
    const double per_day = 50.0, nfa = 0.4, direct = 0.2, ra = 2.0;
    cp_config cfg = door_config(per_day, 3.0);
    cfg.bank_holidays_per_year = 0; /* a screening every weekday */
    cfg.risk_mix[RISK_LOW] = cfg.risk_mix[RISK_HIGH] = 0.5;
    cfg.nfa_share = nfa;
    cfg.direct_s47_share = direct;
    cfg.risk_aversion = 1.0;
    cfg.cap_cases = 0.5;
    cfg.over_cap_margin = 0.0;
    cfg.shock_count = 1;
    snprintf(cfg.shocks[0].name, sizeof cfg.shocks[0].name, "risk averse");
    cfg.shocks[0].start_years = 1.0;
    cfg.shocks[0].length_years = 1.0;
    cfg.shocks[0].arrival_multiplier = 1.0;
    cfg.shocks[0].risk_aversion_multiplier = ra;
    /* before the window, inside it, after it */
    const double at[] = {0.0, last_screening_before(YEAR_DAYS),
                         last_screening_before(2 * YEAR_DAYS),
                         last_screening_before(3 * YEAR_DAYS)};
    const double arm_ra[] = {1.0, ra, 1.0};
    static const char *const names[] = {"before", "inside", "after"};
    snapshot s[4];
    referral_snapshots(&cfg, at, 4, s);
    for (int i = 0; i < 3; i++) {
        double span = at[i + 1] - at[i];
        double screened = s[i + 1].referrals - s[i].referrals;
        double joined = s[i + 1].waiting - s[i].waiting;
        char what[96];
        snprintf(what, sizeof what, "no further action %s the window (RA %.0f)", names[i],
                 arm_ra[i]);
        assert_poisson(what, screened - joined, per_day * span * 0.5 * nfa / arm_ra[i]);
        snprintf(what, sizeof what, "direct s47s %s the window (RA %.0f)", names[i], arm_ra[i]);
        assert_poisson(what, s[i + 1].s47s - s[i].s47s, per_day * span * 0.5 * direct * arm_ra[i]);
    }
}

/* ---- a team by hand ------------------------------------------------------ */

/* A team of `workers` permanent workers with case cap `cap` (0.5: nobody
 * can take a case), no referrals, every mechanism off, no leave and no
 * over-cap margin. Child in need plans last 5000 working days, so none ends
 * within a test unless the test says otherwise. */
static cp_config quiet_team_config(int workers, double cap) {
    cp_config cfg = team_config(workers, cap);
    cfg.leave_weeks_per_year = 0.0;
    return cfg;
}

/* Begins replication 0 of cfg, measuring from time 0, with every worker 20
 * years' experienced (so neither screening nor recognition of risk suffers
 * from inexperience). */
static void fixture_begin(fixture *f, const cp_config *cfg) {
    fixture_begin_config(f, cfg);
    assert_int_equal(f->m->worker_count, (int32_t)ceil(cfg->social_workers));
    for (int32_t w = 0; w < f->m->worker_count; w++)
        f->m->workers[w].experience_at_start = 20.0;
}

/* A new case with the given true and known risk, opened in `stage`: on the
 * list until allocated. */
static int32_t new_case(cp_model *m, int true_risk, int known_risk, cp_stage_id stage) {
    int32_t id = case_alloc(m);
    m->cases[id].true_risk = (uint8_t)true_risk;
    m->cases[id].known_risk = (uint8_t)known_risk;
    case_open_stage(m, id, stage);
    return id;
}

/* Puts `n` referrals of the given true risk at the front door now. Returns
 * the first one's id (they are consecutive: the fixture frees none). */
static int32_t refer(cp_model *m, int n, int true_risk) {
    int32_t first = -1;
    for (int i = 0; i < n; i++) {
        int32_t id = case_alloc(m);
        if (i == 0)
            first = id;
        assert_int_equal(id, first + i);
        m->cases[id].true_risk = (uint8_t)true_risk;
        demand_refer(m, id, false);
    }
    return first;
}

/* ---- the front door ------------------------------------------------------ */

/* The duty screener screens the day's referrals at 17:00; a high-risk one
 * is screened out with probability base x (1 + load_factor x max(0, n/d -
 * 1)) for n referrals that day against a duty capacity of d (experienced
 * screeners: no inexperience factor). Over DAYS working days with exactly
 * n high-risk referrals at the door each day, the screen-outs are
 * binomial: DAYS x n trials at that probability. n = 10 (under capacity,
 * no extra error), 20 (at capacity) and 60 (3x: three times the error). */
static void high_risk_screen_outs_grow_with_the_days_referrals_above_duty_capacity(void **state) {
    (void)state;
    enum { DAYS = 50 };
    const double base = 0.1, load_factor = 1.0, capacity = 20.0;
    const int per_day[] = {10, 20, 60};
    for (size_t arm = 0; arm < sizeof per_day / sizeof per_day[0]; arm++) {
        cp_config cfg = quiet_team_config(10, 0.5);
        cfg.mech_triage_errors = true;
        cfg.screen_out_high_base = base;
        cfg.screen_load_factor = load_factor;
        cfg.duty_referrals_per_day = capacity;
        cfg.screen_inexperience_factor = 1.0;
        fixture f;
        fixture_begin(&f, &cfg);
        int days = 0;
        for (int d = 0; days < DAYS; d++) {
            if (!calendar_is_working_day(f.m, d))
                continue;
            run_to(&f, d + 0.5);
            refer(f.m, per_day[arm], RISK_HIGH);
            assert_int_equal(f.m->n_at_door, per_day[arm]);
            run_to(&f, d + 0.8); /* the day's screening, 17:00 */
            assert_int_equal(f.m->n_at_door, 0);
            days++;
        }
        double over = per_day[arm] / capacity - 1.0;
        double p = base * (1.0 + load_factor * (over > 0.0 ? over : 0.0));
        char what[64];
        snprintf(what, sizeof what, "screened out at %d a day", per_day[arm]);
        assert_binomial(what, (double)f.m->st.screened_out_high, (double)DAYS * per_day[arm], p);
        fixture_end(&f);
    }
}

/* With no screening errors, each low-risk referral gets no further action
 * with probability nfa_share / RA and each high-risk one goes straight to an
 * s47 enquiry with probability direct_s47_share x RA: binomial counts over
 * DAYS days of N of each, at triage.risk_aversion 1 and 2. */
static void risk_aversion_cuts_no_further_action_and_raises_direct_s47s_at_the_door(void **state) {
    (void)state;
    enum { DAYS = 40, N = 50 };
    const double nfa = 0.2, direct = 0.2;
    for (int arm = 1; arm <= 2; arm++) {
        double ra = arm;
        cp_config cfg = quiet_team_config(10, 0.5);
        cfg.nfa_share = nfa;
        cfg.direct_s47_share = direct;
        cfg.risk_aversion = ra;
        fixture f;
        fixture_begin(&f, &cfg);
        int days = 0, closed = 0, direct_s47 = 0;
        for (int d = 0; days < DAYS; d++) {
            if (!calendar_is_working_day(f.m, d))
                continue;
            run_to(&f, d + 0.5);
            int32_t low = refer(f.m, N, RISK_LOW);
            int32_t high = refer(f.m, N, RISK_HIGH);
            run_to(&f, d + 0.8);
            for (int32_t i = 0; i < N; i++) {
                const cp_case *c = &f.m->cases[low + i];
                assert_true(c->status == CASE_CLOSED || c->stage == CP_STAGE_ASSESSMENT);
                closed += c->status == CASE_CLOSED;
                c = &f.m->cases[high + i];
                assert_int_equal(c->status, CASE_WAITING);
                direct_s47 += c->stage == CP_STAGE_S47;
            }
            days++;
        }
        char what[64];
        snprintf(what, sizeof what, "no further action at RA %.0f", ra);
        assert_binomial(what, closed, DAYS * N, nfa / ra);
        snprintf(what, sizeof what, "direct s47s at RA %.0f", ra);
        assert_binomial(what, direct_s47, DAYS * N, direct * ra);
        assert_true(f.m->st.s47s == (uint64_t)direct_s47);
        fixture_end(&f);
    }
}

/* ---- the pathway --------------------------------------------------------- */

/* The length of a case's plan in working days, from `from`. */
static double plan_wd(const cp_model *m, int32_t id, double from) {
    return calendar_working_days_at(m, m->cases[id].plan_end) - calendar_working_days_at(m, from);
}

/* Pressure is a list longer than pressure_threshold x establishment (here
 * more than 10 waiting). A CIN plan opened under it lasts
 * early_close_factor of its length (no spread here: exact) and its closure
 * is flagged early (which raises re-referral); a plan opened without it
 * runs its full length. An assessment that closes a medium-risk case under
 * pressure flags that closure early too, and not without pressure. */
static void under_waiting_list_pressure_cin_plans_are_shortened_and_closed_early(void **state) {
    (void)state;
    const double length = 130.0;
    cp_config cfg = quiet_team_config(10, 0.5);
    cfg.pressure_threshold = 1.0;
    cfg.stage[CP_STAGE_CIN].duration_mean_wd = length;
    cfg.stage[CP_STAGE_CIN].duration_cv = 0.0;
    fixture f;
    fixture_begin(&f, &cfg);
    cp_model *m = f.m;
    double factor = m->cfg.early_close_factor;
    assert_true(factor < 0.9);
    int32_t quiet = new_case(m, RISK_LOW, RISK_LOW, CP_STAGE_CIN); /* 0 waiting */
    for (int i = 0; i < 9; i++)
        new_case(m, RISK_LOW, RISK_LOW, CP_STAGE_ASSESSMENT);
    assert_int_equal(m->n_waiting, 10);
    int32_t edge = new_case(m, RISK_LOW, RISK_LOW, CP_STAGE_CIN);    /* 10 waiting: no pressure */
    int32_t pressed = new_case(m, RISK_LOW, RISK_LOW, CP_STAGE_CIN); /* 11: pressure */
    printf("# CIN plan lengths: %.3f, %.3f, %.3f working days\n", plan_wd(m, quiet, 0.0),
           plan_wd(m, edge, 0.0), plan_wd(m, pressed, 0.0));
    assert_true(fabs(plan_wd(m, quiet, 0.0) - length) < 1e-9);
    assert_true(fabs(plan_wd(m, edge, 0.0) - length) < 1e-9);
    assert_true(fabs(plan_wd(m, pressed, 0.0) - factor * length) < 1e-9);
    assert_false(m->cases[quiet].early_closed);
    assert_false(m->cases[edge].early_closed);
    assert_true(m->cases[pressed].early_closed);
    /* the shortened plan closes first, flagged early; the others later, not */
    run_to(&f, m->cases[pressed].plan_end + 0.01);
    assert_int_equal(m->cases[pressed].status, CASE_CLOSED);
    assert_true(m->cases[pressed].early_closed);
    assert_int_equal(m->cases[quiet].status, CASE_WAITING);
    run_to(&f, m->cases[quiet].plan_end + 0.01);
    assert_int_equal(m->cases[quiet].status, CASE_CLOSED);
    assert_int_equal(m->cases[edge].status, CASE_CLOSED);
    assert_false(m->cases[quiet].early_closed);
    assert_false(m->cases[edge].early_closed);
    fixture_end(&f);

    /* One worker with room for one case (pressure: more than 1 waiting). A
     * medium-risk assessment ends in closure (close_after_assessment_medium
     * 1, no s47s), with 0 or 2 cases left on the list behind it. */
    for (int fillers = 0; fillers <= 2; fillers += 2) {
        cfg = quiet_team_config(1, 1.0);
        cfg.pressure_threshold = 1.0;
        cfg.s47_after_assessment_medium = 0.0;
        cfg.close_after_assessment_medium = 1.0;
        cfg.stage[CP_STAGE_ASSESSMENT].duration_mean_wd = 5.0;
        cfg.stage[CP_STAGE_ASSESSMENT].duration_cv = 0.0;
        fixture_begin(&f, &cfg);
        int32_t id = new_case(f.m, RISK_MEDIUM, RISK_MEDIUM, CP_STAGE_ASSESSMENT);
        for (int i = 0; i < fillers; i++)
            new_case(f.m, RISK_LOW, RISK_LOW, CP_STAGE_ASSESSMENT);
        allocation_run(f.m);
        assert_int_equal(f.m->cases[id].worker, 0);
        assert_int_equal(f.m->n_waiting, fillers);
        run_to(&f, 10.0); /* 5 working days from Monday: Friday night */
        assert_int_equal(f.m->cases[id].status, CASE_CLOSED);
        printf("# assessment closure with %d waiting: early %d\n", fillers,
               f.m->cases[id].early_closed);
        assert_true(f.m->cases[id].early_closed == (fillers > 0));
        fixture_end(&f);
    }
}

/* The probability of recognising a child's true risk, written out from
 * docs/model.md for an experienced worker with full supervision and no
 * familiarity factor. */
static double quality_law(const cp_config *c, double experience, double burnout, double load) {
    double q = c->quality_max -
               c->quality_experience_loss * exp(-experience / c->quality_experience_years) -
               c->quality_burnout_loss * burnout / 100.0 -
               c->quality_overload_loss * (load > 1.0 ? load - 1.0 : 0.0);
    return q < 0.01 ? 0.01 : q > 0.99 ? 0.99 : q;
}

/* N medium-risk children known as low risk, held by workers whose burnout
 * and load are pinned (no weekly update comes before the moment checked).
 * Each is judged once, at a visit (CIN, visits every 2 working days: day 2)
 * or at the end of an assessment (1 working day: day 1), and its risk is
 * recognised with probability q(burnout, load): a binomial count. Visits
 * are all made (hours needed are under contracted hours). */
static void recognition_of_risk_falls_with_burnout_and_overload(void **state) {
    (void)state;
    enum { WORKERS = 200, EACH = 10, N = WORKERS * EACH };
    const struct {
        double burnout, load;
    } arm[] = {{0.0, 1.0}, {80.0, 1.0}, {0.0, 2.0}, {80.0, 2.0}};
    for (int site = 0; site < 2; site++) { /* 0 visits, 1 assessments */
        for (size_t a = 0; a < sizeof arm / sizeof arm[0]; a++) {
            cp_config cfg = quiet_team_config(WORKERS, EACH);
            cfg.mech_triage_errors = true;
            cfg.familiarity_visits = 0.0; /* no familiarity factor */
            cfg.quality_max = 0.9;
            cfg.quality_burnout_loss = 0.5;
            cfg.quality_overload_loss = 0.3;
            cfg.stage[CP_STAGE_CIN].visit_interval_wd = 2.0;
            cfg.stage[CP_STAGE_ASSESSMENT].duration_mean_wd = 1.0;
            cfg.stage[CP_STAGE_ASSESSMENT].duration_cv = 0.0;
            fixture f;
            fixture_begin(&f, &cfg);
            cp_stage_id stage = site == 0 ? CP_STAGE_CIN : CP_STAGE_ASSESSMENT;
            for (int i = 0; i < N; i++)
                new_case(f.m, RISK_MEDIUM, RISK_LOW, stage);
            allocation_run(f.m);
            assert_int_equal(f.m->n_waiting, 0);
            for (int32_t w = 0; w < WORKERS; w++) {
                f.m->workers[w].burnout = arm[a].burnout;
                f.m->workers[w].load = arm[a].load;
            }
            double when = site == 0 ? 2.0 : 1.0; /* before the first weekly update, 4.75 */
            run_to(&f, when + 0.5);
            int recognised = 0, judged = 0;
            for (int32_t i = 0; i < N; i++) {
                const cp_case *c = &f.m->cases[i];
                recognised += c->known_risk == RISK_MEDIUM;
                judged += site == 0 ? c->familiar_visits == 1
                                    : c->status == CASE_CLOSED || c->stage != CP_STAGE_ASSESSMENT;
            }
            assert_int_equal(judged, N);
            double q = quality_law(&f.m->cfg, 20.0 + when / YEAR_DAYS, arm[a].burnout, arm[a].load);
            char what[96];
            snprintf(what, sizeof what, "recognised at %s, burnout %.0f, load %.0f",
                     site == 0 ? "a visit" : "an assessment", arm[a].burnout, arm[a].load);
            assert_binomial(what, recognised, N, q);
            fixture_end(&f);
        }
    }
}

/* N high-risk children in CIN plans, risk recognised, with no harm and no
 * escalation: their true risk falls one level at deescalation_rate under an
 * effective plan (allocated, worker at work, visits on time) and not
 * otherwise. Over T days the number no longer high is binomial with
 * p = 1 - e^(-rate T / 365), and the number down to low with
 * p = 1 - e^(-x)(1 + x), x = rate T / 365 (two steps of a Poisson process).
 * On the list, or held by workers all off sick, none falls. */
static void true_risk_falls_under_an_effective_plan_and_only_there(void **state) {
    (void)state;
    enum { WORKERS = 100, EACH = 20, N = WORKERS * EACH };
    const double rate = 2.0, days = 73.0;
    for (int arm = 0; arm < 3; arm++) { /* 0 protected, 1 waiting, 2 workers off sick */
        cp_config cfg = quiet_team_config(WORKERS, arm == 1 ? 0.5 : EACH);
        cfg.mech_harm = true;
        for (int r = 0; r < CP_RISK_LEVELS; r++)
            cfg.harm_rate[r] = 0.0;
        cfg.escalation_rate = 0.0;
        cfg.deescalation_rate = rate;
        fixture f;
        fixture_begin(&f, &cfg);
        for (int i = 0; i < N; i++)
            new_case(f.m, RISK_HIGH, RISK_HIGH, CP_STAGE_CIN);
        allocation_run(f.m);
        assert_int_equal(f.m->n_waiting, arm == 1 ? N : 0);
        for (int32_t w = 0; w < WORKERS && arm == 2; w++)
            f.m->workers[w].absent = true;
        run_to(&f, days);
        int fallen = 0, low = 0;
        for (int32_t i = 0; i < N; i++) {
            fallen += f.m->cases[i].true_risk < RISK_HIGH;
            low += f.m->cases[i].true_risk == RISK_LOW;
        }
        if (arm == 0) {
            double x = rate * days / YEAR_DAYS;
            assert_binomial("de-escalated under a plan", fallen, N, 1.0 - exp(-x));
            assert_binomial("down to low risk under a plan", low, N, 1.0 - exp(-x) * (1.0 + x));
        } else {
            printf("# de-escalated %s: %d\n", arm == 1 ? "on the list" : "with workers off sick",
                   fallen);
            assert_int_equal(fallen, 0);
        }
        fixture_end(&f);
    }
}

/* Care proceedings (10 working days, no spread) ending in a care order:
 * with pathway.care_order_leaves_team the case leaves the team (freed, off
 * its worker's caseload, counted as closed); without it the child steps
 * down to a CIN plan with the same worker. */
static void a_care_order_takes_the_case_off_the_team_only_when_configured(void **state) {
    (void)state;
    enum { WORKERS = 10, N = 20 };
    for (int leaves = 0; leaves <= 1; leaves++) {
        cp_config cfg = quiet_team_config(WORKERS, 5);
        cfg.care_order_leaves_team = leaves == 1;
        cfg.stage[CP_STAGE_PROCEEDINGS].duration_mean_wd = 10.0;
        cfg.stage[CP_STAGE_PROCEEDINGS].duration_cv = 0.0;
        fixture f;
        fixture_begin(&f, &cfg);
        int32_t worker[N];
        for (int i = 0; i < N; i++)
            new_case(f.m, RISK_HIGH, RISK_HIGH, CP_STAGE_PROCEEDINGS);
        allocation_run(f.m);
        for (int32_t i = 0; i < N; i++) {
            worker[i] = f.m->cases[i].worker;
            assert_true(worker[i] >= 0);
        }
        assert_true(f.m->st.proceedings == (uint64_t)N);
        run_to(&f, 20.0); /* 10 working days from Monday: day 12 */
        int held = 0;
        for (int32_t w = 0; w < WORKERS; w++)
            held += f.m->workers[w].n_cases;
        printf("# care order leaves team %d: %d cases still held\n", leaves, held);
        for (int32_t i = 0; i < N; i++) {
            const cp_case *c = &f.m->cases[i];
            if (leaves) {
                assert_int_equal(c->status, CASE_FREE);
            } else {
                assert_int_equal(c->status, CASE_ALLOCATED);
                assert_int_equal(c->stage, CP_STAGE_CIN);
                assert_int_equal(c->worker, worker[i]);
            }
        }
        assert_int_equal(held, leaves ? 0 : N);
        assert_true(f.m->st.closed_n == (leaves ? (uint64_t)N : 0));
        fixture_end(&f);
    }
}

/* ---- the working-day calendar -------------------------------------------- */

/* Time t plus wd working days, walking the calendar a day at a time:
 * Monday to Friday (day 0 is a Monday), less `holidays` bank holidays a year
 * (docs/model.md: spread evenly through each year, at days
 * floor((k + 1/2) x 365 / holidays), moved to the next weekday when they
 * fall on a weekend). Written from the documentation, not from calendar.c. */
static double add_working_days_by_walking(double t, double wd, int holidays) {
    enum { DAYS = 3 * 365 };
    static uint8_t off[DAYS];
    memset(off, 0, sizeof off);
    for (int d = 0; d < DAYS; d++)
        off[d] = d % 7 >= 5;
    for (int y = 0; y < DAYS; y += 365)
        for (int k = 0; k < holidays; k++) {
            int d = y + (int)floor((k + 0.5) * 365.0 / holidays);
            while (d < DAYS && d % 7 >= 5)
                d++;
            if (d < DAYS)
                off[d] = 1;
        }
    for (;;) {
        int d = (int)floor(t);
        assert_true(d < DAYS);
        if (!off[d]) {
            double left = d + 1.0 - t;
            if (wd <= left)
                return t + wd;
            wd -= left;
        }
        t = d + 1.0;
    }
}

/* An assessment of 45 working days (a work stage) and a CIN plan of 130 (a
 * plan stage), both with no spread, started on a Wednesday at noon (day
 * 2.5) with a worker whose load does not slow the work, end when the
 * calendar says: with no bank holidays 45 working days run 9 weeks to the
 * next Wednesday noon (day 65.5); with 8 a year one falls inside (day 22,
 * a Tuesday) and the assessment ends a day later (66.5). Exact up to
 * rounding. The assessment took exactly 45 working days: within the
 * statutory timescale. */
static void stage_lengths_in_working_days_skip_weekends_and_bank_holidays(void **state) {
    (void)state;
    const double start = 2.5, assess_wd = 45.0, cin_wd = 130.0;
    const double hand[] = {65.5, 66.5}; /* the assessment's end, worked out by hand */
    for (int arm = 0; arm < 2; arm++) {
        int holidays = arm ? 8 : 0;
        cp_config cfg = quiet_team_config(1, 5);
        cfg.bank_holidays_per_year = holidays;
        cfg.stage[CP_STAGE_ASSESSMENT].duration_mean_wd = assess_wd;
        cfg.stage[CP_STAGE_ASSESSMENT].duration_cv = 0.0;
        cfg.stage[CP_STAGE_CIN].duration_mean_wd = cin_wd;
        cfg.stage[CP_STAGE_CIN].duration_cv = 0.0;
        fixture f;
        fixture_begin(&f, &cfg);
        run_to(&f, start);
        int32_t assess = case_alloc(f.m);
        f.m->cases[assess].true_risk = f.m->cases[assess].known_risk = RISK_HIGH;
        f.m->cases[assess].referral_time = start;
        case_open_stage(f.m, assess, CP_STAGE_ASSESSMENT);
        int32_t plan = new_case(f.m, RISK_LOW, RISK_LOW, CP_STAGE_CIN);
        allocation_run(f.m);
        assert_int_equal(f.m->cases[assess].worker, 0);
        assert_int_equal(f.m->cases[plan].worker, 0);
        double assess_end = add_working_days_by_walking(start, assess_wd, holidays);
        double plan_end = add_working_days_by_walking(start, cin_wd, holidays);
        printf("# %d bank holidays: assessment ends on day %.2f, CIN plan on day %.2f\n", holidays,
               assess_end, plan_end);
        assert_true(fabs(assess_end - hand[arm]) < 1e-9);
        /* the assessment: still going just before its end, an s47 (known
         * high risk) from its end */
        run_to(&f, assess_end - 1e-6);
        assert_int_equal(f.m->cases[assess].stage, CP_STAGE_ASSESSMENT);
        run_to(&f, assess_end + 1e-6);
        assert_int_equal(f.m->cases[assess].stage, CP_STAGE_S47);
        assert_true(fabs(f.m->cases[assess].stage_start - assess_end) < 1e-9);
        assert_true(f.m->st.assess_n == 1 && f.m->st.assess_in45 == 1);
        /* the plan: open just before its end, closed at it */
        assert_true(fabs(f.m->cases[plan].plan_end - plan_end) < 1e-9);
        run_to(&f, plan_end - 1e-6);
        assert_int_equal(f.m->cases[plan].status, CASE_ALLOCATED);
        run_to(&f, plan_end + 1e-6);
        assert_int_equal(f.m->cases[plan].status, CASE_CLOSED);
        assert_true(fabs(f.m->cases[plan].closed_time - plan_end) < 1e-9);
        fixture_end(&f);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(referrals_in_each_calendar_month_follow_its_seasonal_multiplier),
        cmocka_unit_test(referrals_grow_year_by_year_at_the_growth_rate),
        cmocka_unit_test(a_shock_multiplies_arrivals_only_inside_its_window_to_the_day),
        cmocka_unit_test(
            a_shocks_risk_aversion_cuts_no_further_action_and_raises_s47s_in_its_window),
        cmocka_unit_test(high_risk_screen_outs_grow_with_the_days_referrals_above_duty_capacity),
        cmocka_unit_test(risk_aversion_cuts_no_further_action_and_raises_direct_s47s_at_the_door),
        cmocka_unit_test(under_waiting_list_pressure_cin_plans_are_shortened_and_closed_early),
        cmocka_unit_test(recognition_of_risk_falls_with_burnout_and_overload),
        cmocka_unit_test(true_risk_falls_under_an_effective_plan_and_only_there),
        cmocka_unit_test(a_care_order_takes_the_case_off_the_team_only_when_configured),
        cmocka_unit_test(stage_lengths_in_working_days_skip_weekends_and_bank_holidays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
