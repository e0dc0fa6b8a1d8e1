/* test_mechanisms_workforce.c: the workforce mechanisms that had no test of
 * their effect, each checked for it (docs/model.md, "Social workers",
 * "Team managers", "Recruitment and the labour market", "Costs").
 *
 * Conventions are test_model.c's: statistical checks state their tolerance
 * and where it comes from, either a Poisson/binomial count (tolerance
 * z*sqrt(variance)) or a Student-t over replications, at a false-alarm
 * probability of about 1e-4 per check (z = 3.9), with fixed seeds so a run is
 * reproducible. Directional checks use common random numbers (the same seed
 * and replications for both arms) and a paired t statistic. Accounting
 * identities and deterministic rules are checked exactly (to rounding).
 *
 * Most checks drive one replication by hand (model_begin, then the kernel to
 * a chosen time) so that one weekly tick or one allocation round can be
 * looked at; the rest run whole replications and watch the story events.
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

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_close(const char *what, double got, double expected, double rel) {
    printf("# %s: %.10g, expected %.10g\n", what, got, expected);
    assert_true(fabs(got - expected) <= rel * fabs(expected));
}

/* Just after weekly tick n (Friday evening of week n). */
static double after_tick(int n) {
    return FIRST_WEEKLY_TICK + WEEK_DAYS * n + 0.01;
}

/* ---- turnover: one weekly tick of the resignation chain ------------------ */

/* 2n workers, each holding at most one CIN case of `weight` points (none
 * when weight is 0): workers 0..n-1 made agency staff, n..2n-1 permanent,
 * all with 10 years' experience (no early-service factor) and all intending
 * to leave, so that at the first weekly tick each resigns independently with
 * probability r = annual_rate / (52 p) x multipliers (docs/model.md,
 * Turnover): a binomial count per group. annual_rate 2.6 at p = 0.5 makes
 * the base r 0.1. */
static void resign_fixture_begin(fixture *f, int n, double weight) {
    fixture_begin_sized(f, 2 * n, 1);
    cp_config *cfg = &f->m->cfg;
    cfg->mech_turnover = true;
    cfg->turnover_annual_rate = 2.6;
    cfg->turnover_intention_share = 0.5;
    cfg->turnover_agency_factor = 2.0;
    cfg->turnover_agency_load_factor = 1.0;
    for (int32_t i = 0; i < 2 * n; i++) {
        cp_worker *w = &f->m->workers[i];
        w->type = i < n ? WORKER_AGENCY : WORKER_PERMANENT;
        w->experience_at_start = 10.0;
        w->intends_to_leave = true;
    }
    if (weight > 0.0) {
        cfg->stage[CP_STAGE_CIN].weight = weight;
        for (int i = 0; i < 2 * n; i++)
            new_waiting_case(f->m, RISK_LOW);
        allocation_run(f->m);
        assert_int_equal(f->m->n_waiting, 0);
    }
}

/* The base weekly resignation probability of resign_fixture_begin. */
static double resign_base(const cp_config *cfg) {
    return cfg->turnover_annual_rate / (52.0 * cfg->turnover_intention_share);
}

/* Runs to just after the first weekly tick; counts resignations of the
 * agency group (out[0]) and the permanent group (out[1]). */
static void resign_tick(fixture *f, int n, int out[2]) {
    run_to(f, after_tick(0));
    out[0] = out[1] = 0;
    for (int32_t i = 0; i < 2 * n; i++)
        out[i >= n] += f->m->workers[i].on_notice;
}

/* Agency staff resign at r x agency_factor x (1 + agency_load_factor x
 * max(0, L - comfortable_load)); permanent staff's resignation does not see
 * load (caseload reaches them only through burnout, which is off here). */
static void agency_workers_resign_more_readily_under_load(void **state) {
    (void)state;
    enum { N = 1000 };
    const double weight = 32.0; /* one case: needed 32 x 0.45 / 0.2 = 72 h, L = 1.95 */
    for (int loaded = 0; loaded <= 1; loaded++) {
        fixture f;
        resign_fixture_begin(&f, N, loaded ? weight : 0.0);
        const cp_config *cfg = &f.m->cfg;
        double load = loaded ? weight * cfg->direct_hours_per_point / cfg->direct_time_share /
                                   cfg->hours_per_week
                             : 0.0;
        int got[2];
        resign_tick(&f, N, got);
        assert_true(fabs(f.m->workers[0].load - load) < 1e-12);
        double over = load - cfg->comfortable_load;
        double agency = resign_base(cfg) * cfg->turnover_agency_factor *
                        (1.0 + cfg->turnover_agency_load_factor * (over > 0.0 ? over : 0.0));
        printf("# load %.3f\n", load);
        assert_binomial("agency resignations", got[0], N, agency);
        assert_binomial("permanent resignations", got[1], N, resign_base(cfg));
        fixture_end(&f);
    }
}

/* The retention package on the resignation probability of permanent staff:
 * x retention_bonus_factor with the bonus, x (1 - pay_premium_retention_effect
 * x pay_premium / 0.1) with a pay premium. Agency staff get neither. */
static void a_retention_bonus_and_a_pay_premium_cut_resignations(void **state) {
    (void)state;
    enum { N = 3000 };
    const struct {
        bool bonus;
        double premium;
    } arm[] = {{false, 0.0}, {true, 0.0}, {false, 0.3}, {true, 0.3}};
    for (size_t a = 0; a < sizeof arm / sizeof arm[0]; a++) {
        fixture f;
        resign_fixture_begin(&f, N, 0.0);
        cp_config *cfg = &f.m->cfg;
        cfg->retention_bonus = arm[a].bonus;
        cfg->retention_bonus_factor = 0.7;
        cfg->pay_premium = arm[a].premium;
        cfg->pay_premium_retention_effect = 0.2; /* 0.3 premium: x (1 - 0.2 x 3) = x 0.4 */
        int got[2];
        resign_tick(&f, N, got);
        double factor = (arm[a].bonus ? 0.7 : 1.0) * (1.0 - 0.2 * arm[a].premium / 0.1);
        printf("# bonus %d, premium %.1f: factor %.3f\n", arm[a].bonus, arm[a].premium, factor);
        assert_binomial("permanent resignations", got[1], N, resign_base(cfg) * factor);
        assert_binomial("agency resignations", got[0], N,
                        resign_base(cfg) * cfg->turnover_agency_factor);
        fixture_end(&f);
    }
}

/* ---- retention leave ----------------------------------------------------- */

/* Each week a worker is on leave with probability leave_weeks_per_year / 52,
 * plus retention_leave_weeks / 52 for permanent staff with
 * retention_leave_after_years of service. N permanent and N agency workers,
 * all new starters at time 0 (the team is replaced: a starter's service
 * counts from its start), with the extra leave after a quarter of a year
 * (91.25 days: ticks 0-12 are before it, ticks 13 on after): each group's
 * worker-weeks on leave are a binomial count. */
static void retention_leave_gives_more_leave_weeks_after_the_qualifying_service(void **state) {
    (void)state;
    enum { N = 300, TICKS = 26 };
    fixture f;
    fixture_begin_sized(&f, 2 * N, 1);
    cp_config *cfg = &f.m->cfg;
    cfg->leave_weeks_per_year = 5.2; /* 0.1 a week */
    cfg->retention_leave = true;
    cfg->retention_leave_after_years = 0.25;
    cfg->retention_leave_weeks = 10.4; /* 0.2 a week more */
    for (int32_t i = 0; i < 2 * N; i++) {
        int32_t post = f.m->workers[i].post;
        worker_depart(f.m, i); /* recruitment is off: no campaign, no cover */
        permanent_starts(f.m, post, WORKER_PERMANENT, 10.0);
        assert_int_equal(f.m->posts[post].holder, i);
        if (i < N)
            f.m->workers[i].type = WORKER_AGENCY;
    }
    double leave[2][2] = {{0}}; /* [permanent][after the qualifying service] */
    int weeks[2] = {0};
    for (int tick = 0; tick < TICKS; tick++) {
        run_to(&f, after_tick(tick));
        bool after = FIRST_WEEKLY_TICK + WEEK_DAYS * tick >= 0.25 * YEAR_DAYS;
        weeks[after]++;
        for (int32_t i = 0; i < 2 * N; i++)
            leave[i >= N][after] += f.m->workers[i].on_leave;
    }
    assert_int_equal(weeks[0], 13);
    double base = 5.2 / 52.0, extra = 10.4 / 52.0;
    assert_binomial("agency leave weeks, first quarter", leave[0][0], N * weeks[0], base);
    assert_binomial("agency leave weeks, after", leave[0][1], N * weeks[1], base);
    assert_binomial("permanent leave weeks, first quarter", leave[1][0], N * weeks[0], base);
    assert_binomial("permanent leave weeks, after", leave[1][1], N * weeks[1], base + extra);
    fixture_end(&f);
}

/* Leave weeks speed burnout recovery (x leave_recovery) and add no load, so
 * the extra leave lowers burnout and, through intention to leave (formed at
 * burnout_factor^((B - reference)/10)), resignations. Two teams of N
 * workers, each holding one case that loads it to 1.5 times its hours
 * (burnout climbs in weeks at work), all starting at the reference burnout
 * without an intention, followed for a year with retention leave (20 weeks
 * a year more, from the start) or without, the same random numbers in both.
 * Workers here do not interact (nobody has room for another's case, no
 * supervision is needed), so each arm's resignations are a sum of
 * independent indicators, variance at most its mean; the z statistic
 * (off - on) / sqrt(off + on) then has a standard deviation of at most 1
 * (the common random numbers correlate the arms positively, which only
 * shrinks it), against a one-sided 1e-4 critical value of 3.72. */
static void retention_leave_lowers_burnout_and_resignations(void **state) {
    (void)state;
    enum { N = 2000, WEEKS = 52 };
    double resigned[2] = {0}, burnout[2] = {0};
    for (int arm = 0; arm < 2; arm++) {
        fixture f;
        fixture_begin_sized(&f, N, 1);
        cp_config *cfg = &f.m->cfg;
        cfg->mech_burnout = cfg->mech_turnover = true;
        cfg->hours_per_worker_month = 0.0; /* supervision is then given in full */
        cfg->turnover_annual_rate = 0.5;
        cfg->retention_leave = arm == 1;
        cfg->retention_leave_after_years = 0.0;
        cfg->retention_leave_weeks = 20.0;
        cfg->stage[CP_STAGE_CIN].weight =
            1.5 * cfg->hours_per_week * cfg->direct_time_share / cfg->direct_hours_per_point;
        for (int32_t i = 0; i < N; i++) {
            f.m->workers[i].burnout = cfg->burnout_reference;
            f.m->workers[i].intends_to_leave = false;
            f.m->workers[i].experience_at_start = 10.0;
            new_waiting_case(f.m, RISK_LOW);
        }
        allocation_run(f.m);
        assert_int_equal(f.m->n_waiting, 0);
        double sum = 0.0;
        for (int week = 0; week < WEEKS; week++) {
            run_to(&f, after_tick(week));
            for (int32_t i = 0; i < N; i++)
                sum += f.m->workers[i].burnout;
        }
        burnout[arm] = sum / (N * WEEKS);
        for (int32_t i = 0; i < N; i++)
            resigned[arm] += f.m->workers[i].on_notice;
        fixture_end(&f);
    }
    double z = (resigned[0] - resigned[1]) / sqrt(resigned[0] + resigned[1]);
    printf("# mean burnout %.2f -> %.2f; resignations %.0f -> %.0f, z %.2f\n", burnout[0],
           burnout[1], resigned[0], resigned[1], z);
    assert_true(burnout[1] < burnout[0]);
    assert_true(z > gsl_cdf_ugaussian_Qinv(1e-4));
}

/* Paired replications of the average team (30 posts), with retention leave
 * (10 weeks a year more, from the start) or without: mean burnout falls. A
 * pilot on another seed gave a paired t of about 7-8 at 30 pairs. */
static void retention_leave_lowers_burnout_in_a_whole_run(void **state) {
    (void)state;
    enum { R = 30 };
    cp_config cfg = base_config();
    cfg.years = 3;
    cfg.social_workers = 30;
    cfg.referrals_per_week *= 3.0;
    cfg.retention_leave_after_years = 0.0;
    cfg.retention_leave_weeks = 10.0;
    double burnout[2][R];
    for (int arm = 0; arm < 2; arm++) {
        cfg.retention_leave = arm == 1;
        run_outcomes(&cfg, R, CP_OUT_BURNOUT_MEAN, burnout[arm], CP_OUT_BURNOUT_MEAN, NULL);
    }
    assert_true(paired_t(burnout[1], burnout[0], R) > t_crit(R));
}

/* ---- supervision --------------------------------------------------------- */

/* The share of needed supervision given at a weekly tick:
 * (team_managers x manager_hours_per_week - hours_per_unallocated_case x
 * list length - hours_per_escalation x high-risk referrals that week) /
 * needed, clamped to [0, 1]; needed is hours_per_worker_month x 12/52 a
 * permanent worker. */
static double supervision_law(const cp_model *m, double listed, double escalations) {
    const cp_config *c = &m->cfg;
    double needed = 0.0;
    for (int32_t i = 0; i < m->worker_count; i++)
        needed += c->hours_per_worker_month * 12.0 / 52.0;
    double s = (c->team_managers * c->manager_hours_per_week -
                c->hours_per_unallocated_case * listed - c->hours_per_escalation * escalations) /
               needed;
    return s < 0.0 ? 0.0 : s > 1.0 ? 1.0 : s;
}

static void assert_supervision(const cp_model *m, double expected) {
    printf("# supervision share %.6f, expected %.6f (list %d)\n", m->hours_supervision_share,
           expected, m->n_waiting);
    assert_true(fabs(m->hours_supervision_share - expected) < 1e-12);
    for (int32_t i = 0; i < m->worker_count; i++)
        assert_true(fabs(m->workers[i].supervision - expected) < 1e-12);
}

/* 40 workers need 13.85 hours a week against one manager's 10: 72% of it
 * with an empty list; each 10 cases added to the list (nobody has room)
 * eat 2.5 hours more, until none is left. */
static void supervision_received_falls_as_the_unallocated_list_grows(void **state) {
    (void)state;
    fixture f;
    fixture_begin_sized(&f, 40, 0.5); /* room for no case */
    cp_config *cfg = &f.m->cfg;
    cfg->team_managers = 1;
    cfg->manager_hours_per_week = 10.0;
    cfg->hours_per_worker_month = 1.5;
    cfg->hours_per_unallocated_case = 0.25;
    double last = 2.0;
    for (int week = 0; week < 6; week++) {
        run_to(&f, after_tick(week));
        assert_int_equal(f.m->n_waiting, 10 * week);
        double expected = supervision_law(f.m, 10.0 * week, 0.0);
        assert_supervision(f.m, expected);
        if (week <= 4) /* 10 - 0.25 x 40 = 0 at week 4: clamped at 0 after */
            assert_true(expected < last);
        last = expected;
        for (int i = 0; i < 10; i++)
            new_waiting_case(f.m, RISK_MEDIUM);
    }
    assert_true(f.m->hours_supervision_share == 0.0);
    /* without the charge the list eats nothing */
    cfg->hours_per_unallocated_case = 0.0;
    run_to(&f, after_tick(6));
    assert_supervision(f.m, supervision_law(f.m, 0.0, 0.0));
    assert_true(f.m->hours_supervision_share > 0.7);
    fixture_end(&f);
}

/* Each high-risk referral screened in a week eats hours_per_escalation of
 * that week's supervision; low-risk referrals do not, and the charge is for
 * that week only. */
static void duty_escalations_eat_supervision_hours_for_the_week(void **state) {
    (void)state;
    enum { HIGH = 8, LOW = 10 };
    fixture f;
    fixture_begin_sized(&f, 40, 0.5);
    cp_config *cfg = &f.m->cfg;
    cfg->team_managers = 1;
    cfg->manager_hours_per_week = 10.0;
    cfg->hours_per_worker_month = 1.5;
    cfg->hours_per_unallocated_case = 0.0;
    cfg->hours_per_escalation = 0.5;
    for (int i = 0; i < HIGH + LOW; i++) {
        int32_t id = case_alloc(f.m);
        f.m->cases[id].true_risk = i < HIGH ? RISK_HIGH : RISK_LOW;
        demand_refer(f.m, id, false);
    }
    run_to(&f, after_tick(0)); /* screened at 17:00 on day 0 */
    assert_supervision(f.m, supervision_law(f.m, 0.0, HIGH));
    assert_true(f.m->hours_supervision_share < 0.45); /* (10 - 4) / 13.85 */
    run_to(&f, after_tick(1));                        /* no referrals this week */
    assert_supervision(f.m, supervision_law(f.m, 0.0, 0.0));
    /* both charges together: the list is the high-risk referrals (none was
     * screened out: triage errors are off) and the low-risk ones not closed
     * at the door */
    cfg->hours_per_unallocated_case = 0.25;
    for (int i = 0; i < HIGH; i++) {
        int32_t id = case_alloc(f.m);
        f.m->cases[id].true_risk = RISK_HIGH;
        demand_refer(f.m, id, false);
    }
    run_to(&f, after_tick(2));
    assert_true(f.m->n_waiting >= 2 * HIGH);
    assert_supervision(f.m, supervision_law(f.m, f.m->n_waiting, HIGH));
    fixture_end(&f);
}

/* ---- caseload target ------------------------------------------------------ */

/* policy.caseload_target, when set, replaces caseload.cap_cases in the case
 * cap (times FTE and the type's share), above or below it. */
static void a_caseload_target_replaces_the_case_cap_in_allocation(void **state) {
    (void)state;
    const struct { double cap, target; } arm[] = {{18.0, 4.0}, {2.0, 5.0}, {6.0, 0.0}};
    for (size_t a = 0; a < sizeof arm / sizeof arm[0]; a++) {
        fixture f;
        fixture_begin_sized(&f, 3, arm[a].cap);
        f.m->cfg.caseload_target = arm[a].target;
        double cap = arm[a].target > 0.0 ? arm[a].target : arm[a].cap;
        for (int i = 0; i < 30; i++)
            new_waiting_case(f.m, RISK_LOW);
        allocation_run(f.m);
        for (int w = 0; w < 3; w++) {
            assert_true(fabs(worker_case_cap(f.m, &f.m->workers[w]) - cap) < 1e-12);
            assert_int_equal(f.m->workers[w].n_cases, (int)cap);
        }
        assert_int_equal(f.m->n_waiting, 30 - 3 * (int)cap);
        f.m->workers[0].type = WORKER_NQSW; /* the protected share applies to the target */
        assert_true(fabs(worker_case_cap(f.m, &f.m->workers[0]) - cap * f.m->cfg.nqsw_cap_share) <
                    1e-12);
        fixture_end(&f);
    }

    /* In a whole run of the average team no worker ends above the target
     * stretched by the over-cap margin, where cap_cases would allow 18 (21.6). */
    enum { R = 3 };
    cp_config cfg = base_config();
    cfg.years = 2;
    cfg.caseload_target = 10.0;
    cp_error err;
    cp_model *m = cp_model_create(&cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, &cfg, &err), CP_OK);
    double top = 0.0;
    for (int rep = 0; rep < R; rep++) {
        assert_int_equal(cp_model_run(m, cfg.seed, (uint64_t)rep, &r, &err), CP_OK);
        for (size_t i = 0; i < r.worker_count; i++)
            top = r.caseload_end[i] > top ? r.caseload_end[i] : top;
        assert_true(r.outcome[CP_OUT_CASELOAD_MEAN] <= 10.0 * (1.0 + cfg.over_cap_margin) + 1e-9);
    }
    printf("# highest caseload at the end: %.2f (target 10, margin %.2f)\n", top,
           cfg.over_cap_margin);
    assert_true(top <= 10.0 * (1.0 + cfg.over_cap_margin) + 1e-9);
    assert_true(top >= 10.0); /* the target binds: the team is full */
    cp_result_fini(&r);
    cp_model_destroy(m);
}

/* ---- reallocation of an absent worker's cases ----------------------------- */

typedef struct spell_log {
    int n;
    int32_t worker[1024];
    double wd[1024];
} spell_log;

static void record_spell(void *ctx, const cp_story_event *ev) {
    spell_log *log = ctx;
    if (ev->kind != CP_STORY_SICK || log->n >= 1024)
        return;
    log->worker[log->n] = ev->worker;
    log->wd[log->n] = ev->value;
    log->n++;
}

/* 400 workers, each full with 3 cases, exposed to one week of sickness at 20
 * spells a year (half of them long, mean 40 working days; short ones mean
 * 3). A spell longer than reallocate_after_wd (10) sends the worker's cases
 * back to the list; a shorter one leaves them with the worker throughout.
 * Checked spell by spell at the spells' start, one working day before
 * reallocate_after_wd working days have passed (every worker still holds
 * their cases: they go after the limit, as the key says, not when a long
 * spell starts) and just after, when the short spells are over and the long
 * ones still run. How many spells are long is binomial with
 * P(wd > X) = (1 - ls) e^(-X/short) + ls e^(-X/long). */
static void
a_sick_workers_cases_go_back_to_the_list_only_for_a_spell_longer_than_the_limit(void **state) {
    (void)state;
    enum { W = 400, EACH = 3 };
    const double limit = 10.0;
    fixture f;
    fixture_begin_sized(&f, W, EACH);
    cp_config *cfg = &f.m->cfg;
    for (int i = 0; i < W * EACH; i++)
        new_waiting_case(f.m, RISK_LOW);
    allocation_run(f.m);
    assert_int_equal(f.m->n_waiting, 0);
    cfg->mech_sickness = true;
    cfg->sickness_spells_per_year = 20.0;
    cfg->sickness_long_share = 0.5;
    cfg->sickness_short_mean_wd = 3.0;
    cfg->sickness_long_mean_wd = 40.0;
    cfg->sickness_reallocate_after_wd = limit;
    spell_log *log = calloc(1, sizeof *log);
    assert_non_null(log);
    cp_model_set_observer(f.m, record_spell, log);
    run_to(&f, after_tick(0));
    cfg->mech_sickness = false; /* one week's spells only */
    assert_true(log->n > 50);
    int longer = 0;
    for (int i = 0; i < log->n; i++) {
        const cp_worker *w = &f.m->workers[log->worker[i]];
        longer += log->wd[i] > limit;
        assert_true(w->absent);
        assert_int_equal(w->n_cases, EACH);
    }
    double q = (1.0 - cfg->sickness_long_share) * exp(-limit / cfg->sickness_short_mean_wd) +
               cfg->sickness_long_share * exp(-limit / cfg->sickness_long_mean_wd);
    assert_binomial("spells longer than the limit", longer, log->n, q);

    /* just after the limit in working days from the spells' start (the
     * Friday tick; the next allocation round is on the next working day):
     * the short spells have ended with the cases kept, the long ones have
     * their cases on the list (everyone else is full) */
    run_to(&f, calendar_add_working_days(f.m, FIRST_WEEKLY_TICK, limit - 1.0) + 0.01);
    for (int i = 0; i < log->n; i++)
        assert_int_equal(f.m->workers[log->worker[i]].n_cases, EACH);
    assert_int_equal(f.m->n_waiting, 0);
    double check = calendar_add_working_days(f.m, FIRST_WEEKLY_TICK, limit) + 0.01;
    run_to(&f, check);
    for (int i = 0; i < log->n; i++) {
        const cp_worker *w = &f.m->workers[log->worker[i]];
        bool over = log->wd[i] > limit;
        assert_true(w->absent == (w->absent_until > check));
        if (!over)
            assert_false(w->absent);
        assert_int_equal(w->n_cases, over ? 0 : EACH);
    }
    assert_int_equal(f.m->n_waiting, EACH * longer);
    free(log);
    fixture_end(&f);
}

/* ---- recruitment ---------------------------------------------------------- */

/* A team of `posts` posts, all vacant at the start, with no agency cover, no
 * NQSW cohorts, nobody leaving and little casework: only recruitment moves. */
static cp_config vacant_team(int posts, double years) {
    cp_config cfg = base_config();
    cfg.mech_burnout = cfg.mech_sickness = cfg.mech_turnover = false;
    cfg.mech_harm = cfg.mech_rereferral = false;
    cfg.social_workers = posts;
    cfg.referrals_per_week = 1.0;
    cfg.warmup_years = 0;
    cfg.years = years;
    cfg.initial_vacancy_share = 1.0;
    cfg.initial_agency_share = 0.0;
    cfg.agency_cover_share = 0.0;
    cfg.nqsw_cohort_size = 0.0;
    return cfg;
}

typedef struct join_log {
    const char *type; /* detail of the JOINED events to keep */
    int n;
    double t[4096];
} join_log;

static void record_join(void *ctx, const cp_story_event *ev) {
    join_log *log = ctx;
    if (ev->kind == CP_STORY_JOINED && ev->detail && strcmp(ev->detail, log->type) == 0 &&
        log->n < 4096)
        log->t[log->n++] = ev->time_days;
}

/* Every post is vacant at time 0, when its first campaign starts; campaigns
 * take gamma times (mean hire_mean_days, cv hire_cv) and each appoints with
 * probability p = hire_success / market_tightness x (1 + pay_premium_hire_effect
 * x pay_premium / 0.1), so the time to hire is a geometric sum: mean
 * hire_mean / p, variance (1/p) (cv m)^2 + ((1-p)/p^2) m^2. The mean over
 * N posts is checked against it at Z_STRICT standard errors. Six years
 * leave no post unfilled (at worst 0.8^73 per post). */
static void time_to_hire_follows_campaign_length_market_and_pay(void **state) {
    (void)state;
    enum { N = 300 };
    const struct {
        double mean_days, success, tightness, premium;
    } arm[] = {
        {30.0, 0.4, 1.0, 0.0}, /* mean 75 days */
        {60.0, 0.4, 1.0, 0.0}, /* longer campaigns: 150 */
        {30.0, 0.4, 2.0, 0.0}, /* a tight market: p 0.2, 150 */
        {30.0, 0.4, 1.0, 0.1}, /* a 10% premium at effect 0.5: p 0.6, 50 */
    };
    join_log *log = malloc(sizeof *log);
    assert_non_null(log);
    for (size_t a = 0; a < sizeof arm / sizeof arm[0]; a++) {
        cp_config cfg = vacant_team(N, 6.0);
        cfg.hire_mean_days = arm[a].mean_days;
        cfg.hire_cv = 0.5;
        cfg.hire_success = arm[a].success;
        cfg.market_tightness = arm[a].tightness;
        cfg.pay_premium = arm[a].premium;
        cfg.pay_premium_hire_effect = 0.5;
        log->type = "permanent";
        log->n = 0;
        run_watched(&cfg, 0, record_join, log, NULL);
        assert_int_equal(log->n, N);
        double p = arm[a].success / arm[a].tightness * (1.0 + 0.5 * arm[a].premium / 0.1);
        double m = arm[a].mean_days, cv = cfg.hire_cv;
        double mean = m / p, var = (cv * m) * (cv * m) / p + (1.0 - p) / (p * p) * m * m;
        double got = mean_of(log->t, N), se = sqrt(var / N);
        printf("# time to hire: %.2f days, expected %.2f +- %.2f (p %.2f)\n", got, mean, se, p);
        assert_true(fabs(got - mean) < Z_STRICT * se);
    }
    free(log);
}

/* A permanent worker who resigns goes to agency work with probability
 * to_agency_share: the leavers_to_agency outcome (FTE a year) is a binomial
 * count of the resignations that the story tells; exact at shares 0 and 1. */
typedef struct resign_count {
    double permanent;
} resign_count;

static void count_permanent_resignations(void *ctx, const cp_story_event *ev) {
    resign_count *c = ctx;
    if (ev->kind == CP_STORY_RESIGNED && ev->worker_type && strcmp(ev->worker_type, "agency") != 0)
        c->permanent += 1.0;
}

static void a_share_of_permanent_leavers_go_to_agency_work(void **state) {
    (void)state;
    const double share[] = {0.7, 0.0, 1.0};
    for (size_t a = 0; a < sizeof share / sizeof share[0]; a++) {
        cp_config cfg = base_config();
        cfg.mech_burnout = cfg.mech_sickness = false;
        cfg.social_workers = 100;
        cfg.referrals_per_week = 50;
        cfg.warmup_years = 0;
        cfg.years = 3;
        cfg.turnover_annual_rate = 0.6;
        cfg.turnover_to_agency_share = share[a];
        resign_count count = {0};
        double out[CP_OUTCOME_COUNT];
        run_watched(&cfg, 0, count_permanent_resignations, &count, out);
        double to_agency = out[CP_OUT_LEAVERS_TO_AGENCY] * cfg.years; /* every post 1 FTE */
        assert_true(count.permanent > 100.0);
        if (share[a] == 0.0 || share[a] == 1.0)
            assert_true(fabs(to_agency - share[a] * count.permanent) < 1e-9);
        else
            assert_binomial("leavers to agency work", to_agency, count.permanent, share[a]);
    }
}

/* Each year in nqsw_cohort_month (here March: day 59 of a 365-day year) a
 * Poisson number, mean nqsw_cohort_size, of NQSWs start in vacant posts,
 * and at no other time. 200 vacant posts and cohorts of 12 over 6 years:
 * never short of posts; the total over R replications is Poisson(72 R). With
 * 10 vacant posts and a cohort of mean 50 the first cohort fills every post
 * (P(fewer than 10) < 1e-11) and later cohorts find none. */
static void nqsw_cohorts_arrive_each_year_in_the_cohort_month(void **state) {
    (void)state;
    enum { R = 3 };
    join_log *log = malloc(sizeof *log);
    assert_non_null(log);
    const double march = 59.0;
    cp_config cfg = vacant_team(200, 6.0);
    cfg.hire_mean_days = 3650.0; /* no campaign ends within the run */
    cfg.hire_cv = 0.0;
    cfg.nqsw_cohort_size = 12.0;
    cfg.nqsw_cohort_month = 3;
    double total = 0.0;
    for (int rep = 0; rep < R; rep++) {
        log->type = "NQSW";
        log->n = 0;
        run_watched(&cfg, (uint64_t)rep, record_join, log, NULL);
        int per_year[6] = {0};
        for (int i = 0; i < log->n; i++) {
            double year = floor(log->t[i] / YEAR_DAYS);
            assert_true(log->t[i] == year * YEAR_DAYS + march);
            assert_true(year >= 0.0 && year < 6.0);
            per_year[(int)year]++;
        }
        for (int y = 0; y < 6; y++)
            assert_true(per_year[y] > 0); /* P(Poisson(12) = 0) = 6e-6 a cohort */
        total += log->n;
    }
    assert_poisson("NQSW starters", total, R * 6.0 * cfg.nqsw_cohort_size);

    cfg = vacant_team(10, 3.0);
    cfg.hire_mean_days = 3650.0;
    cfg.hire_cv = 0.0;
    cfg.nqsw_cohort_size = 50.0;
    cfg.nqsw_cohort_month = 3;
    log->type = "NQSW";
    log->n = 0;
    run_watched(&cfg, 0, record_join, log, NULL);
    assert_int_equal(log->n, 10);
    for (int i = 0; i < log->n; i++)
        assert_true(log->t[i] == march);

    /* a January cohort arrives on day 0 of a run too (1 January), so a
     * 3-year run without warm-up has three: days 0, 365 and 730 */
    cfg = vacant_team(40, 3.0);
    cfg.hire_mean_days = 3650.0;
    cfg.hire_cv = 0.0;
    cfg.nqsw_cohort_size = 5.0;
    cfg.nqsw_cohort_month = 1;
    log->type = "NQSW";
    log->n = 0;
    run_watched(&cfg, 0, record_join, log, NULL);
    bool cohort_on[3] = {false, false, false};
    for (int i = 0; i < log->n; i++) {
        double year = log->t[i] / YEAR_DAYS;
        assert_true(year == floor(year) && year < 3.0);
        cohort_on[(int)year] = true;
    }
    for (int y = 0; y < 3; y++)
        assert_true(cohort_on[y]); /* P(Poisson(5) = 0) = 0.007 a cohort, fixed seed */
    free(log);
}

/* policy.agency_cap on later cover: a team that starts full (no vacancy, no
 * agency) loses staff it cannot replace (no campaign ends); every vacancy
 * wants agency cover at once, but agency FTE never passes agency_cap x
 * establishment, and it reaches it. */
typedef struct agency_watch {
    const cp_model *m;
    double most;
} agency_watch;

static void watch_agency(void *ctx, const cp_story_event *ev) {
    agency_watch *a = ctx;
    if (ev->kind == CP_STORY_JOINED && ev->detail && strcmp(ev->detail, "agency") == 0 &&
        a->m->agency_fte > a->most)
        a->most = a->m->agency_fte;
}

static void agency_cover_after_the_start_stops_at_the_agency_cap(void **state) {
    (void)state;
    cp_config cfg = vacant_team(40, 4.0);
    cfg.initial_vacancy_share = 0.0;
    cfg.initial_agency_share = 0.0;
    cfg.mech_turnover = true;
    cfg.turnover_annual_rate = 1.0;
    cfg.turnover_agency_factor = 0.1;
    cfg.hire_mean_days = 3650.0;
    cfg.hire_cv = 0.0;
    cfg.agency_cover_share = 1.0;
    cfg.agency_lag_days = 0.0;
    cfg.agency_cap = 0.2; /* 8 FTE */
    cp_error err;
    cp_model *m = cp_model_create(&cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, &cfg, &err), CP_OK);
    agency_watch watch = {m, 0.0};
    cp_model_set_observer(m, watch_agency, &watch);
    assert_int_equal(cp_model_run(m, cfg.seed, 0, &r, &err), CP_OK);
    printf("# most agency FTE %.1f (cap %.1f); agency rate %.3f, vacancy %.3f\n", watch.most,
           cfg.agency_cap * 40, r.outcome[CP_OUT_AGENCY_RATE], r.outcome[CP_OUT_VACANCY_RATE]);
    assert_true(fabs(watch.most - cfg.agency_cap * 40) < 1e-9);
    assert_true(r.outcome[CP_OUT_AGENCY_RATE] <= cfg.agency_cap + 1e-12);
    assert_true(r.outcome[CP_OUT_VACANCY_RATE] > 2.0 * cfg.agency_cap); /* cover was wanted */
    /* room that opens under the cap goes to a vacancy refused before: at
     * the end no vacancy wanting cover waits without a request while an
     * agency worker would fit */
    int refused_waiting = 0;
    for (int32_t i = 0; i < m->post_count; i++) {
        const cp_post *p = &m->posts[i];
        if (p->holder < 0 && p->agency < 0 && p->agency_wanted &&
            !cp_kernel_is_pending(m->kernel, p->agency_request) &&
            m->agency_fte + p->fte <= cfg.agency_cap * 40 + 1e-9)
            refused_waiting++;
    }
    printf("# agency FTE at the end %.1f; vacancies refused and waiting with room: %d\n",
           m->agency_fte, refused_waiting);
    assert_int_equal(refused_waiting, 0);
    cp_result_fini(&r);
    cp_model_destroy(m);
}

/* Room that opens under the cap goes to a vacancy refused cover before. 40
 * posts, 20 vacant at the start and all wanting agency cover, a cap of 8
 * FTE: 8 are covered and 12 refused. Slow hiring fills a few vacancies a
 * year; each permanent starter in a covered post releases its agency
 * worker, and that room must go to a refused vacancy (no lag), so while
 * refused vacancies remain the agency FTE stays at the cap, and at no
 * moment does one wait without a request while an agency worker would fit
 * beside those in post and on their way (checked at every weekly tick of
 * the story). */
typedef struct room_watch {
    const cp_model *m;
    double cap_fte;
    int starters, ticks, violations;
} room_watch;

static void watch_room(void *ctx, const cp_story_event *ev) {
    room_watch *w = ctx;
    if (ev->kind == CP_STORY_JOINED && ev->detail && strcmp(ev->detail, "agency") != 0)
        w->starters++;
    if (ev->kind != CP_STORY_TICK) /* between events, not inside one */
        return;
    w->ticks++;
    const cp_model *m = w->m;
    /* agency staff in post and on their way (a request made at this very
     * moment arrives after this event) */
    double committed = m->agency_fte;
    for (int32_t i = 0; i < m->post_count; i++)
        if (cp_kernel_is_pending(m->kernel, m->posts[i].agency_request))
            committed += m->posts[i].fte;
    for (int32_t i = 0; i < m->post_count; i++) {
        const cp_post *p = &m->posts[i];
        if (p->holder < 0 && p->agency < 0 && p->agency_wanted &&
            !cp_kernel_is_pending(m->kernel, p->agency_request) &&
            committed + p->fte <= w->cap_fte + 1e-9)
            w->violations++;
    }
}

static void room_under_the_agency_cap_goes_to_a_vacancy_refused_before(void **state) {
    (void)state;
    cp_config cfg = vacant_team(40, 2.0);
    cfg.initial_vacancy_share = 0.5;
    cfg.initial_agency_share = 0.5; /* every starting vacancy wants cover */
    cfg.agency_cover_share = 1.0;
    cfg.agency_lag_days = 0.0;
    cfg.agency_cap = 0.2; /* 8 FTE */
    cfg.hire_mean_days = 60.0;
    cfg.hire_cv = 0.0;
    cfg.hire_success = 0.1;
    cp_error err;
    cp_model *m = cp_model_create(&cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, &cfg, &err), CP_OK);
    room_watch watch = {m, cfg.agency_cap * 40, 0, 0, 0};
    cp_model_set_observer(m, watch_room, &watch);
    assert_int_equal(cp_model_run(m, cfg.seed, 0, &r, &err), CP_OK);
    printf("# %d permanent starters; a refused vacancy left waiting with room %d times; agency "
           "FTE at the end %.1f\n",
           watch.starters, watch.violations, m->agency_fte);
    assert_true(watch.starters >= 3); /* some starters released agency workers */
    assert_true(watch.ticks > 100);
    assert_int_equal(watch.violations, 0);
    cp_result_fini(&r);
    cp_model_destroy(m);
}

/* ---- costs ---------------------------------------------------------------- */

/* Staff in post, followed through the story: FTE-days of each type inside
 * the measured window. An NQSW counts as one until it qualifies a year
 * after starting (or (1 - its experience) of a year after the start of the
 * run, for one in post then), as permanent after. */
enum { STAFF_MAX = 4096 };

typedef struct staff_log {
    const cp_model *m;
    double from, to;
    bool on[STAFF_MAX];
    int type[STAFF_MAX];
    double start[STAFF_MAX], qualify[STAFF_MAX], fte[STAFF_MAX];
    double days[3]; /* permanent, NQSW, agency: FTE-days */
} staff_log;

static double overlap(const staff_log *s, double a, double b) {
    a = a > s->from ? a : s->from;
    b = b < s->to ? b : s->to;
    return b > a ? b - a : 0.0;
}

static void staff_close(staff_log *s, int id, double until) {
    assert_true(s->on[id]);
    s->on[id] = false;
    double a = s->start[id];
    if (s->type[id] == WORKER_NQSW) {
        double q = s->qualify[id] < until ? s->qualify[id] : until;
        s->days[WORKER_NQSW] += s->fte[id] * overlap(s, a, q);
        a = q;
        s->days[WORKER_PERMANENT] += s->fte[id] * overlap(s, a, until);
        return;
    }
    s->days[s->type[id]] += s->fte[id] * overlap(s, a, until);
}

static void staff_open(staff_log *s, int id, int type, double at, double qualify) {
    assert_true(id >= 0 && id < STAFF_MAX && !s->on[id]);
    s->on[id] = true;
    s->type[id] = type;
    s->start[id] = at;
    s->qualify[id] = qualify;
    s->fte[id] = s->m->workers[id].fte;
}

static void record_staff(void *ctx, const cp_story_event *ev) {
    staff_log *s = ctx;
    if (ev->kind == CP_STORY_JOINED) {
        int type = strcmp(ev->detail, "agency") == 0 ? WORKER_AGENCY
                   : strcmp(ev->detail, "NQSW") == 0 ? WORKER_NQSW
                                                     : WORKER_PERMANENT;
        staff_open(s, ev->worker, type, ev->time_days,
                   type == WORKER_NQSW ? ev->time_days + YEAR_DAYS : (double)INFINITY);
    } else if (ev->kind == CP_STORY_LEFT) {
        staff_close(s, ev->worker, ev->time_days);
    }
}

/* cost_total = permanent_cost_per_year / 365 x (permanent FTE-days x (1 +
 * pay_premium) + NQSW FTE-days x nqsw_cost_factor x (1 + pay_premium) +
 * agency FTE-days x agency_cost_factor) / years + support_staff_cost +
 * retention_bonus_cost x average permanent FTE; agency_cost = the same day
 * rate x agency FTE-days x (agency_cost_factor - 1) / years. An accounting
 * identity, exact to rounding (the model sums rate x time in its own order:
 * relative 1e-9 is far above the ~1e-13 that leaves and far below any
 * mis-pricing of a single staff-day). A fractional post, a warm-up, NQSWs,
 * agency cover and turnover are all on. */
static void costs_are_the_day_rates_times_the_staff_days_in_post(void **state) {
    (void)state;
    cp_config cfg = base_config();
    cfg.social_workers = 20.5;
    cfg.referrals_per_week = 20.0;
    cfg.years = 2;
    cfg.warmup_years = 1;
    cfg.turnover_annual_rate = 0.4;
    cfg.nqsw_cohort_size = 3.0;
    cfg.pay_premium = 0.1;
    cfg.agency_cost_factor = 2.2;
    cfg.nqsw_cost_factor = 0.8;
    cfg.retention_bonus = true;
    cfg.retention_bonus_cost = 3000.0;
    cfg.support_staff_cost = 12345.0;
    cp_error err;
    cp_model *m = cp_model_create(&cfg, &err);
    assert_non_null(m);
    cp_result r;
    assert_int_equal(cp_result_init(&r, &cfg, &err), CP_OK);
    staff_log *s = calloc(1, sizeof *s);
    assert_non_null(s);
    for (int rep = 0; rep < 3; rep++) {
        memset(s, 0, sizeof *s);
        s->m = m;
        assert_int_equal(model_begin(m, cfg.seed, (uint64_t)rep, &r, &err), CP_OK);
        s->from = m->warmup_end;
        s->to = m->end_time;
        for (int32_t i = 0; i < m->worker_count; i++) {
            const cp_worker *w = &m->workers[i];
            assert_true(w->active);
            staff_open(s, i, w->type, 0.0,
                       w->type == WORKER_NQSW ? (1.0 - w->experience_at_start) * YEAR_DAYS
                                              : (double)INFINITY);
        }
        cp_model_set_observer(m, record_staff, s);
        cp_kernel_run_until(m->kernel, m->end_time);
        model_finish(m);
        cp_model_set_observer(m, NULL, NULL);
        for (int i = 0; i < STAFF_MAX; i++)
            if (s->on[i])
                staff_close(s, i, s->to);
        double day = cfg.permanent_cost_per_year / YEAR_DAYS, pay = 1.0 + cfg.pay_premium;
        double staff = day * (s->days[WORKER_PERMANENT] * pay +
                              s->days[WORKER_NQSW] * cfg.nqsw_cost_factor * pay +
                              s->days[WORKER_AGENCY] * cfg.agency_cost_factor);
        double perm_fte = (s->days[WORKER_PERMANENT] + s->days[WORKER_NQSW]) / (s->to - s->from);
        double total =
            staff / cfg.years + cfg.support_staff_cost + cfg.retention_bonus_cost * perm_fte;
        double premium = day * s->days[WORKER_AGENCY] * (cfg.agency_cost_factor - 1.0) / cfg.years;
        printf("# FTE-days: permanent %.1f, NQSW %.1f, agency %.1f\n", s->days[0], s->days[1],
               s->days[2]);
        assert_true(s->days[WORKER_NQSW] > 0.0 && s->days[WORKER_AGENCY] > 0.0);
        assert_close("cost_total", r.outcome[CP_OUT_COST_TOTAL], total, 1e-9);
        assert_close("agency_cost", r.outcome[CP_OUT_AGENCY_COST], premium, 1e-9);
    }
    free(s);
    cp_result_fini(&r);
    cp_model_destroy(m);
}

/* More of the vacancy time covered by agency (cover share 0.2 against 1.0,
 * common random numbers): a higher agency rate, a higher agency premium and
 * a higher total cost (a vacancy costs nothing, agency cover twice the
 * permanent rate). */
static void costs_rise_with_the_agency_share(void **state) {
    (void)state;
    enum { R = 20 };
    cp_config cfg = base_config();
    cfg.years = 2;
    cfg.social_workers = 30;
    cfg.referrals_per_week *= 3.0;
    double agency[2][R], premium[2][R], total[2][R];
    for (int arm = 0; arm < 2; arm++) {
        cfg.agency_cover_share = arm ? 1.0 : 0.2;
        run_outcomes(&cfg, R, CP_OUT_AGENCY_COST, premium[arm], CP_OUT_COST_TOTAL, total[arm]);
        run_outcomes(&cfg, R, CP_OUT_AGENCY_RATE, agency[arm], CP_OUT_AGENCY_RATE, NULL);
    }
    printf("# agency rate %.3f -> %.3f\n", mean_of(agency[0], R), mean_of(agency[1], R));
    assert_true(paired_t(agency[0], agency[1], R) > t_crit(R));
    assert_true(paired_t(premium[0], premium[1], R) > t_crit(R));
    assert_true(paired_t(total[0], total[1], R) > t_crit(R));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agency_workers_resign_more_readily_under_load),
        cmocka_unit_test(a_retention_bonus_and_a_pay_premium_cut_resignations),
        cmocka_unit_test(retention_leave_gives_more_leave_weeks_after_the_qualifying_service),
        cmocka_unit_test(retention_leave_lowers_burnout_and_resignations),
        cmocka_unit_test(retention_leave_lowers_burnout_in_a_whole_run),
        cmocka_unit_test(supervision_received_falls_as_the_unallocated_list_grows),
        cmocka_unit_test(duty_escalations_eat_supervision_hours_for_the_week),
        cmocka_unit_test(a_caseload_target_replaces_the_case_cap_in_allocation),
        cmocka_unit_test(
            a_sick_workers_cases_go_back_to_the_list_only_for_a_spell_longer_than_the_limit),
        cmocka_unit_test(time_to_hire_follows_campaign_length_market_and_pay),
        cmocka_unit_test(a_share_of_permanent_leavers_go_to_agency_work),
        cmocka_unit_test(nqsw_cohorts_arrive_each_year_in_the_cohort_month),
        cmocka_unit_test(agency_cover_after_the_start_stops_at_the_agency_cap),
        cmocka_unit_test(room_under_the_agency_cap_goes_to_a_vacancy_refused_before),
        cmocka_unit_test(costs_are_the_day_rates_times_the_staff_days_in_post),
        cmocka_unit_test(costs_rise_with_the_agency_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
