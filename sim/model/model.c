/* model.c: one replication of the team model, from an empty caseload to the
 * horizon, and the outcomes of MODEL.md section 2.
 *
 * The replication is driven by kernel events. What happens to one child is
 * an event at its own moment: a referral, the end of a stage, a visit, a
 * duty contact, a harm or risk-drift candidate (protection.c). What happens
 * on a rota is a tick:
 *   - daily (17:00 on working days only): duty screening, then allocation;
 *   - weekly (Friday evening): each worker's workload, burnout, supervision,
 *     leave, sickness and turnover (a team has tens of workers, a week is
 *     the unit their rates are stated in), and freeing closed cases whose
 *     follow-up has ended;
 *   - every series interval after warm-up: one row of the time series.
 *
 * Statistics: time integrals (unallocated list, FTE in post) are updated by
 * area_update() before every change of the quantities they integrate, and
 * only after the warm-up; counts are taken only after the warm-up.
 */
#include "model_internal.h"

#include "cpsim/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void *model_reserve(void *items, int32_t count, int32_t *capacity, int32_t first, size_t size) {
    if (count < *capacity)
        return items;
    int32_t cap = *capacity ? 2 * *capacity : first;
    void *grown = realloc(items, (size_t)cap * size);
    CP_ASSERT(grown != NULL);
    *capacity = cap;
    return grown;
}

void histogram_add(histogram *h, double x) {
    size_t bin = x <= 0.0 ? 0 : (size_t)(x / h->bin_width);
    if (bin >= h->bins)
        bin = h->bins - 1;
    h->counts[bin]++;
    h->total++;
    if (bin >= h->used)
        h->used = bin + 1;
}

static double histogram_quantile(const histogram *h, double q) {
    if (h->total == 0)
        return 0.0;
    double target = q * (double)h->total;
    uint64_t seen = 0;
    for (size_t b = 0; b < h->used; b++) {
        if (h->counts[b] == 0)
            continue;
        if ((double)(seen + h->counts[b]) >= target) {
            /* interpolate within the bin */
            double inside = (target - (double)seen) / (double)h->counts[b];
            return ((double)b + inside) * h->bin_width;
        }
        seen += h->counts[b];
    }
    return (double)h->bins * h->bin_width;
}

static cp_status histogram_init(histogram *h, double bin_width, size_t bins, cp_error *err) {
    h->bin_width = bin_width;
    h->bins = bins;
    h->total = 0;
    h->used = 0;
    h->counts = calloc(bins, sizeof *h->counts);
    return h->counts ? CP_OK : cp_error_set(err, CP_ENOMEM, "out of memory for a histogram");
}

static void histogram_clear(histogram *h) {
    memset(h->counts, 0, h->used * sizeof *h->counts);
    h->total = 0;
    h->used = 0;
}

void model_tell(cp_model *m, cp_story_kind kind, const cp_worker *w, int32_t worker_id,
                double value, const char *detail) {
    if (!m->observer)
        return;
    cp_story_event ev = {.kind = kind,
                         .time_days = cp_kernel_now(m->kernel),
                         .worker = worker_id,
                         .worker_type = w ? worker_type_name(w->type) : NULL,
                         .experience_years = w ? worker_experience(m, w) : 0.0,
                         .burnout = w ? w->burnout : 0.0,
                         .value = value,
                         .detail = detail,
                         .row = NULL};
    m->observer(m->observer_ctx, &ev);
}

void area_update(cp_model *m) {
    double now = cp_kernel_now(m->kernel);
    double dt = now - m->last_area_time;
    m->last_area_time = now;
    if (dt <= 0.0)
        return;
    m->insp_unalloc_area += dt * m->n_waiting;
    if (!m->measuring)
        return;
    stats *st = &m->st;
    st->unalloc_area += dt * m->n_waiting;
    st->high_unalloc_area += dt * m->n_high_waiting;
    st->iv_unalloc_area += dt * m->n_waiting;
    st->iv_high_area += dt * m->n_high_waiting;
    st->permanent_fte_area += dt * m->permanent_fte;
    st->vacant_fte_area += dt * m->vacant_fte;
    st->agency_fte_area += dt * m->agency_fte;
    st->cost += dt * m->cost_rate;
    st->agency_premium += dt * m->agency_premium_rate;
}

/* ---- ticks ---------------------------------------------------------- */

/* 17:00 on the first working day that has it after time t (t >= -1). */
static double next_daily_tick(const cp_model *m, double t) {
    double day = t < 0.0 ? 0.0 : floor(t);
    if (day + DAILY_TICK_TIME <= t)
        day += 1.0;
    while (!calendar_is_working_day(m, day))
        day += 1.0;
    return day + DAILY_TICK_TIME;
}

static void on_daily(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    cp_model *m = ctx;
    if (model_interrupted(m)) {
        /* A very large team can take a while over a simulated day: stop
         * here rather than at the next chunk (cp_model_run reports it). */
        cp_kernel_stop(k);
        return;
    }
    /* Referrals screened now join the list with the day's allocation: a
     * child allocated at once has not been left unallocated. */
    m->settle_later = true;
    demand_screen_batch(m);
    m->settle_later = false;
    if (!m->cfg.single_stage)
        allocation_run(m);
    demand_screen_settle(m);
    double next = next_daily_tick(m, cp_kernel_now(k));
    if (next < m->end_time)
        cp_kernel_schedule_at(k, next, PRIO_DAILY, on_daily, m, 0);
}

static void on_weekly(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    cp_model *m = ctx;
    workforce_weekly(m);
    casework_expire_closed(m);
    if (cp_kernel_now(k) + WEEK_DAYS < m->end_time)
        cp_kernel_schedule_in(k, WEEK_DAYS, PRIO_WEEKLY, on_weekly, m, 0);
}

static void team_snapshot(cp_model *m, double *caseload_mean, double *caseload_max,
                          double *burnout_mean) {
    double cases = 0.0, fte = 0.0, max = 0.0, burnout = 0.0;
    int n = 0;
    for (int32_t i = 0; i < m->worker_count; i++) {
        const cp_worker *w = &m->workers[i];
        if (!w->active)
            continue;
        burnout += w->burnout;
        n++;
        if (w->n_cases > 0) {
            cases += w->n_cases;
            fte += w->fte;
            double per = w->n_cases / w->fte;
            if (per > max)
                max = per;
        }
    }
    *caseload_mean = fte > 0.0 ? cases / fte : 0.0;
    *caseload_max = max;
    *burnout_mean = n > 0 ? burnout / n : 0.0;
}

static void on_series(cp_kernel *k, void *ctx, uint64_t arg) {
    cp_model *m = ctx;
    area_update(m);
    cp_result *r = m->result;
    size_t row = (size_t)arg;
    double interval = m->cfg.timeseries_interval_days;
    if (row < r->series_rows) {
        double *v = &r->series[row * CP_SERIES_COUNT];
        stats *st = &m->st;
        v[CP_SERIES_UNALLOCATED] = st->iv_unalloc_area / interval;
        v[CP_SERIES_HIGH_RISK_UNALLOCATED] = st->iv_high_area / interval;
        team_snapshot(m, &v[CP_SERIES_CASELOAD_MEAN], &v[CP_SERIES_CASELOAD_MAX],
                      &v[CP_SERIES_BURNOUT_MEAN]);
        v[CP_SERIES_PERMANENT_FTE] = m->permanent_fte;
        v[CP_SERIES_AGENCY_FTE] = m->agency_fte;
        v[CP_SERIES_VACANCIES] = m->vacant_fte;
        v[CP_SERIES_ABSENT] = m->n_absent;
        v[CP_SERIES_REFERRALS] = st->iv_referrals;
        v[CP_SERIES_LEAVERS] = st->iv_leavers;
        v[CP_SERIES_HARM_EVENTS] = st->iv_harm;
        v[CP_SERIES_MISSED_RISK] = st->iv_missed;
        if (m->observer) {
            cp_story_event ev = {.kind = CP_STORY_TICK, .time_days = cp_kernel_now(k),
                                 .worker = -1, .row = v, .value = (double)row};
            m->observer(m->observer_ctx, &ev);
        }
        st->iv_unalloc_area = st->iv_high_area = 0.0;
        st->iv_referrals = st->iv_leavers = st->iv_harm = st->iv_missed = 0.0;
        if (row + 1 < r->series_rows)
            cp_kernel_schedule_in(k, interval, PRIO_SERIES, on_series, m, row + 1);
    }
}

static void on_warmup_end(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    cp_model *m = ctx;
    area_update(m);
    m->measuring = true;
    if (m->result->series_rows > 0)
        cp_kernel_schedule_in(k, m->cfg.timeseries_interval_days, PRIO_SERIES, on_series, m, 0);
}

static void on_shock(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    model_tell(m, CP_STORY_SHOCK, NULL, -1, m->cfg.shocks[arg].arrival_multiplier,
               m->cfg.shocks[arg].name);
}

static void on_inspection(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    cp_model *m = ctx;
    inspection_run(m);
    double next = m->cfg.inspection_interval_years * YEAR_DAYS;
    if (cp_kernel_now(k) + next < m->end_time)
        cp_kernel_schedule_in(k, next, PRIO_WEEKLY, on_inspection, m, 0);
}

/* ---- memory ------------------------------------------------------------- */

double cp_model_memory_estimate(const cp_config *cfg) {
    /* Highest daily referral rate the run can reach. */
    double season = 0.0;
    for (int i = 0; i < CP_MONTHS; i++)
        if (cfg->seasonal[i] > season)
            season = cfg->seasonal[i];
    double horizon_years = cfg->years + cfg->warmup_years;
    double growth = cfg->growth_per_year > 0.0 ? pow(1.0 + cfg->growth_per_year, horizon_years) : 1.0;
    double shocks = 1.0;
    for (int i = 0; i < cfg->shock_count; i++)
        if (cfg->shocks[i].arrival_multiplier > 1.0)
            shocks *= cfg->shocks[i].arrival_multiplier;
    double per_day = cfg->referrals_per_week / WEEK_DAYS * season * growth * shocks;
    /* A case stays in the pool while open (at most every stage in turn, in
     * calendar days) and while followed up after closure; the open time is
     * bounded by the horizon. Pools double when they grow, hence 2x. */
    double open_days = 0.0;
    for (int s = 0; s < CP_STAGE_COUNT; s++)
        open_days += cfg->stage[s].duration_mean_wd * 1.5;
    if (cfg->single_stage)
        open_days = cfg->single_stage_mean_days * 3.0;
    double horizon_days = horizon_years * YEAR_DAYS;
    if (open_days > horizon_days)
        open_days = horizon_days;
    double cases = per_day * (open_days + cfg->closed_followup_days + YEAR_DAYS) + 64.0;
    /* A case: its record, its entries in the id lists (waiting, closed,
     * worker), and up to four pending kernel events (stage end, visit, risk
     * clock, duty contact), each a 16-byte queue entry (in chunks, about 20
     * bytes) and a 32-byte slot in a table kept at most half full. */
    double per_case = (double)sizeof(cp_case) + 3.0 * (sizeof(int32_t) + sizeof(double)) +
                      4.0 * (20.0 + 2.0 * 32.0);
    double workers = 2.0 * (cfg->social_workers + 8.0);
    double per_worker =
        (double)sizeof(cp_worker) + (double)sizeof(cp_post) + (double)sizeof(candidate) +
        2.0 * cfg->cap_cases * (1.0 + cfg->over_cap_margin) * sizeof(int32_t) + 80.0;
    double calendar = (horizon_days + 5.0 * YEAR_DAYS) * (sizeof(double) + 1.0 + sizeof(int32_t));
    double series = (double)cp_series_rows(cfg) * CP_SERIES_COUNT * sizeof(double);
    double histograms = (4.0 * 3650.0 + 20.0 * 500.0) * sizeof(uint64_t);
    return 2.0 * cases * per_case + workers * per_worker + calendar + series + histograms +
           (double)sizeof(cp_model);
}

/* ---- lifecycle ---------------------------------------------------------- */

cp_model *cp_model_create(const cp_config *cfg, cp_error *err) {
    cp_gsl_errors_off();
    cp_model *m = calloc(1, sizeof *m);
    if (!m) {
        cp_error_set(err, CP_ENOMEM, "out of memory creating the model");
        return NULL;
    }
    m->cfg = *cfg;
    m->calendar_holidays = -1;
    m->kernel = cp_kernel_create(1024);
    if (!m->kernel) {
        cp_error_set(err, CP_ENOMEM, "out of memory creating the event queue");
        goto fail;
    }
    for (int s = 1; s < CP_STREAM_COUNT; s++) {
        m->rng[s] = cp_rng_stream_create(cfg->seed, 0, (uint32_t)s, err);
        if (!m->rng[s])
            goto fail;
    }
    if (histogram_init(&m->st.wait_hist, 0.25, 4 * 3650, err) != CP_OK ||
        histogram_init(&m->st.caseload_hist, 0.05, 20 * 500, err) != CP_OK)
        goto fail;
    return m;
fail:
    cp_model_destroy(m);
    return NULL;
}

static void id_queue_free(id_queue *q) {
    free(q->ids);
    free(q->stamps);
}

void cp_model_destroy(cp_model *m) {
    if (!m)
        return;
    cp_kernel_destroy(m->kernel);
    for (int s = 1; s < CP_STREAM_COUNT; s++)
        if (m->rng[s])
            gsl_rng_free(m->rng[s]);
    free(m->working_days_before);
    free(m->is_working);
    free(m->working_day);
    free(m->cases);
    for (int q = 0; q < 3; q++)
        id_queue_free(&m->waiting[q]);
    id_queue_free(&m->closed);
    free(m->at_door);
    for (int32_t i = 0; i < m->worker_capacity; i++)
        free(m->workers[i].cases);
    free(m->workers);
    free(m->cand);
    free(m->posts);
    free(m->st.wait_hist.counts);
    free(m->st.caseload_hist.counts);
    free(m);
}

void cp_model_set_observer(cp_model *m, cp_observer_fn fn, void *ctx) {
    m->observer = fn;
    m->observer_ctx = ctx;
}

/* Clears per-replication state, keeping every allocation. */
static void model_reset(cp_model *m, uint64_t seed, uint64_t replication) {
    cp_kernel_reset(m->kernel);
    for (int s = 1; s < CP_STREAM_COUNT; s++)
        cp_rng_stream_seed(m->rng[s], seed, replication, (uint32_t)s);
    m->case_count = 0;
    m->case_free = -1;
    for (int q = 0; q < 3; q++)
        m->waiting[q].head = m->waiting[q].tail = 0;
    m->closed.head = m->closed.tail = 0;
    m->n_waiting = m->n_high_waiting = m->n_at_door = 0;
    for (int32_t i = 0; i < m->worker_count; i++)
        m->workers[i].n_cases = 0;
    m->worker_count = 0;
    m->worker_free = -1;
    m->worker_serial = 0;
    m->agency_fte = m->permanent_fte = m->vacant_fte = 0.0;
    m->cost_rate = m->agency_premium_rate = 0.0;
    m->n_absent = 0;
    m->last_area_time = 0.0;
    m->measuring = false;
    m->inadequate = m->cfg.mech_inspection && m->cfg.start_inadequate;
    m->inadequate_until = m->inadequate ? m->cfg.inadequate_effect_years * YEAR_DAYS : 0.0;
    m->escalations_week = 0.0;
    m->insp_unalloc_area = 0.0;
    m->insp_start = 0.0;
    m->insp_assess_n = m->insp_assess_in45 = 0;
    m->insp_leavers = 0.0;
    histogram wait = m->st.wait_hist, load = m->st.caseload_hist;
    histogram_clear(&wait);
    histogram_clear(&load);
    memset(&m->st, 0, sizeof m->st);
    m->st.wait_hist = wait;
    m->st.caseload_hist = load;
}

static void finish_outcomes(cp_model *m, cp_result *r) {
    area_update(m);
    const stats *st = &m->st;
    double days = m->end_time - m->warmup_end;
    double years = days / YEAR_DAYS;
    double *o = r->outcome;
    o[CP_OUT_UNALLOCATED_MEAN] = st->unalloc_area / days;
    o[CP_OUT_UNALLOCATED_MAX] = st->unalloc_max;
    o[CP_OUT_WAIT_MEAN_DAYS] = st->wait_n ? st->wait_sum / (double)st->wait_n : 0.0;
    o[CP_OUT_WAIT_P90_DAYS] = histogram_quantile(&st->wait_hist, 0.9);
    o[CP_OUT_HIGH_RISK_UNALLOCATED_DAYS] = st->high_unalloc_area / years;
    o[CP_OUT_HARM_EVENTS] = st->harm / years;
    o[CP_OUT_HARM_UNPROTECTED] = st->harm_unprotected / years;
    o[CP_OUT_HARM_UNALLOCATED] = st->harm_by_cause[MISSED_UNALLOCATED] / years;
    o[CP_OUT_HARM_UNRECOGNISED] = st->harm_by_cause[MISSED_UNRECOGNISED] / years;
    o[CP_OUT_HARM_VISITS_OVERDUE] = st->harm_by_cause[MISSED_VISITS_OVERDUE] / years;
    o[CP_OUT_MISSED_UNALLOCATED] = st->missed[MISSED_UNALLOCATED] / years;
    o[CP_OUT_MISSED_UNRECOGNISED] = st->missed[MISSED_UNRECOGNISED] / years;
    o[CP_OUT_MISSED_VISITS_OVERDUE] = st->missed[MISSED_VISITS_OVERDUE] / years;
    o[CP_OUT_MISSED_RISK] = o[CP_OUT_MISSED_UNALLOCATED] + o[CP_OUT_MISSED_UNRECOGNISED] +
                            o[CP_OUT_MISSED_VISITS_OVERDUE];
    o[CP_OUT_CASELOAD_MEAN] =
        st->caseload_weeks ? st->caseload_sum_weeks / (double)st->caseload_weeks : 0.0;
    o[CP_OUT_CASELOAD_P90] = histogram_quantile(&st->caseload_hist, 0.9);
    o[CP_OUT_OVER_CAP_SHARE] = st->caseload_samples
                                   ? (double)st->over_cap_samples / (double)st->caseload_samples
                                   : 0.0;
    o[CP_OUT_INEXPERIENCED_ALLOCATIONS] = st->inexperienced / years;
    double bn = st->burnout_n ? (double)st->burnout_n : 1.0;
    o[CP_OUT_BURNOUT_MEAN] = st->burnout_sum / bn;
    o[CP_OUT_BURNOUT_OVER_50] = st->burnout50 / bn;
    o[CP_OUT_BURNOUT_OVER_75] = st->burnout75 / bn;
    o[CP_OUT_OVERTIME_HOURS] = st->overtime_n ? st->overtime_sum / (double)st->overtime_n : 0.0;
    double perm_fte = st->permanent_fte_area / days;
    o[CP_OUT_TURNOVER_RATE] = perm_fte > 0.0 ? st->leavers_fte / years / perm_fte : 0.0;
    o[CP_OUT_VACANCY_RATE] = st->vacant_fte_area / days / m->establishment;
    o[CP_OUT_AGENCY_RATE] = st->agency_fte_area / days / m->establishment;
    o[CP_OUT_SICKNESS_RATE] = st->available_wd > 0.0 ? st->sick_wd / st->available_wd : 0.0;
    o[CP_OUT_WORKER_CHANGES_MEAN] = st->closed_n ? st->changes_sum / (double)st->closed_n : 0.0;
    o[CP_OUT_WORKER_CHANGES_2PLUS] = st->closed_n ? st->changes2 / (double)st->closed_n : 0.0;
    o[CP_OUT_ASSESS_WITHIN_45WD] =
        st->assess_n ? (double)st->assess_in45 / (double)st->assess_n : 0.0;
    o[CP_OUT_ICPC_WITHIN_15WD] = st->icpc_n ? (double)st->icpc_in15 / (double)st->icpc_n : 0.0;
    o[CP_OUT_REREFERRAL_RATE] =
        st->referrals ? (double)st->rereferrals / (double)st->referrals : 0.0;
    double policy_cost = m->cfg.support_staff_cost;
    if (m->cfg.retention_bonus)
        policy_cost += m->cfg.retention_bonus_cost * perm_fte;
    o[CP_OUT_COST_TOTAL] = st->cost / years + policy_cost;
    o[CP_OUT_AGENCY_COST] = st->agency_premium / years;
    o[CP_OUT_REFERRALS] = (double)st->referrals / years;
    o[CP_OUT_ASSESSMENTS] = (double)st->assessments / years;
    o[CP_OUT_S47S] = (double)st->s47s / years;
    o[CP_OUT_ICPCS] = (double)st->icpcs / years;
    o[CP_OUT_CP_PLANS] = (double)st->cp_plans / years;
    o[CP_OUT_PROCEEDINGS] = (double)st->proceedings / years;
    o[CP_OUT_SCREENED_OUT_HIGH] = (double)st->screened_out_high / years;
    o[CP_OUT_LEAVERS_TO_AGENCY] = st->leavers_to_agency / years;
    o[CP_OUT_EVENTS] = (double)cp_kernel_events_run(m->kernel);

    r->worker_count = 0;
    for (int32_t i = 0; i < m->worker_count && r->worker_count < CP_RESULT_WORKERS_MAX; i++) {
        const cp_worker *w = &m->workers[i];
        if (!w->active)
            continue;
        r->burnout_end[r->worker_count] = w->burnout;
        r->caseload_end[r->worker_count] = w->n_cases / w->fte;
        r->worker_count++;
    }
}

cp_status model_begin(cp_model *m, uint64_t seed, uint64_t replication, cp_result *result,
                      cp_error *err) {
    const cp_config *cfg = &m->cfg;
    CP_ASSERT(result->series_rows == cp_series_rows(cfg));
    m->result = result;
    m->warmup_end = cfg->warmup_years * YEAR_DAYS;
    m->end_time = m->warmup_end + cfg->years * YEAR_DAYS;
    cp_status status = calendar_build(m, err);
    if (status != CP_OK)
        return status;
    model_reset(m, seed, replication);
    casework_begin(m);
    memset(result->outcome, 0, sizeof result->outcome);
    if (result->series_rows)
        memset(result->series, 0, result->series_rows * CP_SERIES_COUNT * sizeof *result->series);

    status = workforce_start(m, err);
    if (status != CP_OK)
        return status;
    demand_start(m);
    cp_kernel *k = m->kernel;
    double first_daily = next_daily_tick(m, -1.0);
    if (first_daily < m->end_time)
        cp_kernel_schedule_at(k, first_daily, PRIO_DAILY, on_daily, m, 0);
    cp_kernel_schedule_at(k, FIRST_WEEKLY_TICK, PRIO_WEEKLY, on_weekly, m, 0);
    cp_kernel_schedule_at(k, m->warmup_end, PRIO_WARMUP, on_warmup_end, m, 0);
    for (int i = 0; i < cfg->shock_count; i++) {
        double at = cfg->shocks[i].start_years * YEAR_DAYS;
        if (at < m->end_time)
            cp_kernel_schedule_at(k, at, PRIO_WORKFORCE, on_shock, m, (uint64_t)i);
    }
    if (cfg->mech_inspection) {
        double first = cfg->inspection_interval_years * YEAR_DAYS;
        if (first < m->end_time)
            cp_kernel_schedule_at(k, first, PRIO_WEEKLY, on_inspection, m, 0);
    }
    return CP_OK;
}

void model_finish(cp_model *m) {
    finish_outcomes(m, m->result);
    m->result = NULL;
}

void cp_model_set_interrupt(cp_model *m, const volatile sig_atomic_t *flag) {
    m->interrupt = flag;
}

cp_status cp_model_run(cp_model *m, uint64_t seed, uint64_t replication, cp_result *result,
                       cp_error *err) {
    cp_status status = model_begin(m, seed, replication, result, err);
    if (status != CP_OK)
        return status;
    if (!m->interrupt) {
        cp_kernel_run_until(m->kernel, m->end_time);
    } else {
        /* In chunks, looking at the flag before, between and after them
         * (raised in the last chunk, it may have cut that short: the model
         * stops the kernel): run_until(a) then run_until(b) runs exactly the
         * events run_until(b) would. */
        for (double t = 0.0;;) {
            if (*m->interrupt) {
                m->result = NULL;
                return cp_error_set(err, CP_EINTERRUPTED,
                                    "interrupted on day %.0f of %.0f of replication %llu",
                                    cp_kernel_now(m->kernel), m->end_time,
                                    (unsigned long long)replication);
            }
            if (t >= m->end_time)
                break;
            t = t + CP_MODEL_INTERRUPT_DAYS < m->end_time ? t + CP_MODEL_INTERRUPT_DAYS : m->end_time;
            cp_kernel_run_until(m->kernel, t);
        }
    }
    model_finish(m);
    return CP_OK;
}
