/* workforce.c: posts and the people in them.
 *
 * The establishment is `team.social_workers` FTE, as whole posts plus one
 * fractional post. A post is held by a permanent worker or a newly
 * qualified one (NQSW), or it is vacant; a vacant post may be covered by an
 * agency worker. Vacancy and agency rates follow the Department for
 * Education: vacant FTE over establishment, agency FTE over establishment;
 * turnover is permanent leavers' FTE over average permanent FTE in post.
 *
 * Weekly, for every worker: workload -> unpaid overtime -> burnout ->
 * sickness and intention to leave -> resignation. Caseload reaches turnover
 * only through burnout (MODEL.md: caseload alone does not predict intention
 * to leave), except for agency staff, who also leave more readily under
 * load.
 *
 * Turnover is a two-state weekly chain. With intention, a worker resigns
 * with probability r = annual_rate / (52 p) x multipliers, and otherwise the
 * intention lapses with probability q_lapse. Without intention, one forms
 * with probability a(B) = p (q_lapse + r) / (1 - p) x
 * burnout_factor^((B - B_ref)/10). At B = B_ref the share of workers with
 * intention is then p (turnover.intention_share) even though resigning
 * removes intending workers (a = p/(1-p) x q_lapse alone would let that
 * outflow drain the pool and undershoot), so the weekly resignation rate of
 * a settled, experienced permanent team is p r = annual_rate / 52: that is
 * what turnover.annual_rate means. Workers on notice are not at risk.
 *
 * A vacancy opens, and recruitment to it starts, when a worker leaves
 * (MODEL.md); a campaign takes a gamma-distributed time and appoints with
 * probability hire_success (lower in a tight market or after an inadequate
 * rating, higher with a pay premium); a failed campaign is followed by
 * another. Newly qualified workers arrive each September (a Poisson number
 * with mean recruitment.nqsw_cohort_size) into vacant posts.
 *
 * With the recruitment mechanism off every post is filled by a permanent
 * worker at the start and nobody is hired: a post that falls vacant (with
 * turnover on) stays vacant.
 */
#include "model_internal.h"

#include "cpsim/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *worker_type_name(int type) {
    static const char *const names[] = {"permanent", "NQSW", "agency"};
    return type >= 0 && type <= WORKER_AGENCY ? names[type] : "?";
}

double worker_experience(const cp_model *m, const cp_worker *w) {
    return w->experience_at_start + (cp_kernel_now(m->kernel) - w->start_time) / YEAR_DAYS;
}

static double type_cap_share(const cp_model *m, const cp_worker *w) {
    if (w->type == WORKER_NQSW)
        return m->cfg.nqsw_cap_share;
    if (w->type == WORKER_AGENCY)
        return m->cfg.agency_cap_share;
    return 1.0;
}

double worker_case_cap(const cp_model *m, const cp_worker *w) {
    double cap = m->cfg.caseload_target > 0.0 ? m->cfg.caseload_target : m->cfg.cap_cases;
    double v = cap * w->fte * type_cap_share(m, w);
    /* In queue mode a worker is floor(cap x FTE) servers, so c is exact. */
    return m->cfg.single_stage ? floor(v + 1e-9) : v;
}

double worker_points_cap(const cp_model *m, const cp_worker *w) {
    return m->cfg.cap_points * w->fte * type_cap_share(m, w);
}

double worker_needed_hours(const cp_model *m, const cp_worker *w) {
    double direct = m->cfg.direct_time_share + m->cfg.support_staff_direct_share;
    if (direct > 1.0)
        direct = 1.0;
    return w->points * m->cfg.direct_hours_per_point / direct;
}

bool worker_can_take(const cp_model *m, const cp_worker *w) {
    (void)m;
    return w->active && !w->on_notice && !w->absent;
}

/* ---- costs and counts --------------------------------------------------- */

static double worker_cost_factor(const cp_model *m, const cp_worker *w) {
    const cp_config *c = &m->cfg;
    if (w->type == WORKER_AGENCY)
        return c->agency_cost_factor;
    double pay = 1.0 + c->pay_premium;
    return w->type == WORKER_NQSW ? c->nqsw_cost_factor * pay : pay;
}

/* Adds (sign +1) or removes (sign -1) a worker's contribution to the FTE
 * counts and cost rates. Callers call area_update first. */
static void worker_count_in(cp_model *m, const cp_worker *w, double sign) {
    double per_day = m->cfg.permanent_cost_per_year / YEAR_DAYS * w->fte;
    m->cost_rate += sign * per_day * worker_cost_factor(m, w);
    if (w->type == WORKER_AGENCY) {
        m->agency_fte += sign * w->fte;
        m->agency_premium_rate += sign * per_day * (m->cfg.agency_cost_factor - 1.0);
    } else {
        m->permanent_fte += sign * w->fte;
        m->vacant_fte -= sign * w->fte;
    }
    /* Sums of +fte and -fte can leave rounding dust where zero is meant. */
    if (m->agency_fte < 1e-9) {
        m->agency_fte = 0.0;
        m->agency_premium_rate = 0.0;
    }
}

static int32_t worker_new(cp_model *m, int type, int32_t post, double experience) {
    int32_t id;
    if (m->worker_free >= 0) {
        id = m->worker_free;
        m->worker_free = m->workers[id].next_free;
    } else {
        if (m->worker_count == m->worker_capacity) {
            int32_t cap = m->worker_capacity ? 2 * m->worker_capacity : 32;
            cp_worker *grown = realloc(m->workers, (size_t)cap * sizeof *grown);
            CP_ASSERT(grown != NULL);
            memset(grown + m->worker_capacity, 0,
                   (size_t)(cap - m->worker_capacity) * sizeof *grown);
            m->workers = grown;
            candidate *cand = realloc(m->cand, (size_t)cap * sizeof *cand);
            CP_ASSERT(cand != NULL);
            m->cand = cand;
            m->worker_capacity = cap;
        }
        id = m->worker_count++;
    }
    cp_worker *w = &m->workers[id];
    int32_t *cases = w->cases;
    int32_t capacity = w->cases_capacity;
    memset(w, 0, sizeof *w);
    w->cases = cases;
    w->cases_capacity = capacity;
    w->active = true;
    w->type = (uint8_t)type;
    w->post = post;
    w->serial = ++m->worker_serial;
    w->fte = m->posts[post].fte;
    w->visit_share_points = NAN; /* worked out at its first due visit */
    w->experience_at_start = experience;
    w->start_time = cp_kernel_now(m->kernel);
    w->supervision = 1.0;
    w->next_free = -1;
    const cp_config *c = &m->cfg;
    if (c->mech_burnout) {
        double b = c->burnout_initial + gsl_ran_gaussian(rng(m, CP_STREAM_TEAM), 10.0);
        w->burnout = b < 0.0 ? 0.0 : b > 100.0 ? 100.0 : b;
    } else {
        w->burnout = c->burnout_reference;
    }
    area_update(m);
    worker_count_in(m, w, +1.0);
    return id;
}

static void on_worker_leaves(cp_kernel *k, void *ctx, uint64_t arg);
static void on_campaign_end(cp_kernel *k, void *ctx, uint64_t arg);
static void on_agency_arrives(cp_kernel *k, void *ctx, uint64_t arg);
static void on_nqsw_qualifies(cp_kernel *k, void *ctx, uint64_t arg);
static void on_sickness_ends(cp_kernel *k, void *ctx, uint64_t arg);
static void on_nqsw_cohort(cp_kernel *k, void *ctx, uint64_t arg);

void workforce_release_cases(cp_model *m, int32_t wid) {
    while (m->workers[wid].n_cases > 0)
        case_unassign(m, m->workers[wid].cases[m->workers[wid].n_cases - 1]);
}

/* ---- recruitment -------------------------------------------------------- */

static void campaign_start(cp_model *m, int32_t post) {
    cp_post *p = &m->posts[post];
    if (!m->cfg.mech_recruitment || cp_kernel_is_pending(m->kernel, p->campaign))
        return;
    const cp_config *c = &m->cfg;
    double mean = c->hire_mean_days, days = mean;
    if (c->hire_cv > 0.0) {
        double shape = 1.0 / (c->hire_cv * c->hire_cv);
        days = gsl_ran_gamma(rng(m, CP_STREAM_RECRUITMENT), shape, mean / shape);
    }
    p->campaign = cp_kernel_schedule_in(m->kernel, days, PRIO_WORKFORCE, on_campaign_end, m,
                                        (uint64_t)post);
}

static void agency_request(cp_model *m, int32_t post) {
    cp_post *p = &m->posts[post];
    if (!m->cfg.mech_recruitment || !p->agency_wanted || p->agency >= 0 ||
        cp_kernel_is_pending(m->kernel, p->agency_request))
        return;
    double lag = m->cfg.agency_lag_days > 0.0
                     ? cp_rng_exponential(rng(m, CP_STREAM_RECRUITMENT), m->cfg.agency_lag_days)
                     : 0.0;
    p->agency_request = cp_kernel_schedule_in(m->kernel, lag, PRIO_WORKFORCE, on_agency_arrives,
                                              m, (uint64_t)post);
}

/* True when an agency worker of `fte` fits under policy.agency_cap. */
static bool agency_has_room(const cp_model *m, double fte) {
    return m->agency_fte + fte <= m->cfg.agency_cap * m->establishment + 1e-9;
}

/* Room has opened under policy.agency_cap: the first vacancy that wanted
 * cover and was refused at the cap (none is pending for it) asks again. */
static void agency_offer_room(cp_model *m) {
    for (int32_t i = 0; i < m->post_count; i++) {
        const cp_post *q = &m->posts[i];
        if (q->holder < 0 && q->agency < 0 && q->agency_wanted &&
            !cp_kernel_is_pending(m->kernel, q->agency_request)) {
            agency_request(m, i);
            return;
        }
    }
}

static double agency_experience(cp_model *m) {
    return m->cfg.agency_experience_min_years + cp_rng_exponential(rng(m, CP_STREAM_TEAM), 5.0);
}

void permanent_starts(cp_model *m, int32_t post, int type, double experience) {
    cp_post *p = &m->posts[post];
    CP_ASSERT(p->holder < 0);
    cp_kernel_cancel(m->kernel, p->campaign);
    /* cover on its way here is no longer needed: under a binding agency
     * cap, the room it held goes to another vacancy */
    bool cover_was_coming = cp_kernel_is_pending(m->kernel, p->agency_request);
    cp_kernel_cancel(m->kernel, p->agency_request);
    int32_t id = worker_new(m, type, post, experience);
    p->holder = id;
    if (type == WORKER_NQSW)
        m->workers[id].convert_event = cp_kernel_schedule_in(
            m->kernel, YEAR_DAYS, PRIO_WORKFORCE, on_nqsw_qualifies, m, (uint64_t)id);
    model_tell(m, CP_STORY_JOINED, &m->workers[id], id, 0.0, worker_type_name(type));
    /* The agency worker covering the vacancy is released. */
    if (p->agency >= 0)
        worker_depart(m, p->agency);
    else if (cover_was_coming)
        agency_offer_room(m);
}

static double hire_probability(const cp_model *m) {
    const cp_config *c = &m->cfg;
    double p = c->hire_success / c->market_tightness *
               (1.0 + c->pay_premium_hire_effect * c->pay_premium / 0.1);
    if (m->inadequate)
        p *= c->inadequate_hire_factor;
    return p > 1.0 ? 1.0 : p;
}

static void on_campaign_end(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    int32_t post = (int32_t)arg;
    cp_post *p = &m->posts[post];
    p->campaign = CP_EVENT_NONE;
    if (p->holder >= 0)
        return; /* filled meanwhile (an NQSW) */
    if (cp_rng_uniform(rng(m, CP_STREAM_RECRUITMENT)) >= hire_probability(m)) {
        campaign_start(m, post);
        return;
    }
    double experience = cp_rng_exponential(rng(m, CP_STREAM_RECRUITMENT),
                                            m->cfg.new_hire_experience_mean_years);
    permanent_starts(m, post, WORKER_PERMANENT, experience);
}

static void on_agency_arrives(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    int32_t post = (int32_t)arg;
    cp_post *p = &m->posts[post];
    p->agency_request = CP_EVENT_NONE;
    if (p->holder >= 0 || p->agency >= 0)
        return;
    if (!agency_has_room(m, p->fte))
        return; /* the agency cap is reached: the vacancy stays uncovered */
    int32_t id = worker_new(m, WORKER_AGENCY, post, agency_experience(m));
    m->posts[post].agency = id;
    model_tell(m, CP_STORY_JOINED, &m->workers[id], id, 0.0, "agency");
}

static void on_nqsw_qualifies(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    cp_worker *w = &m->workers[arg];
    w->convert_event = CP_EVENT_NONE;
    if (!w->active || w->type != WORKER_NQSW)
        return;
    area_update(m);
    worker_count_in(m, w, -1.0);
    w->type = WORKER_PERMANENT;
    worker_count_in(m, w, +1.0);
}

/* The next cohort after `after` (at `after` itself too when `from_start`:
 * a January cohort arrives on day 0 of a run). */
static void schedule_cohort(cp_model *m, double after, bool from_start) {
    static const int month_start[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    double year = floor(after / YEAR_DAYS);
    double at = year * YEAR_DAYS + month_start[m->cfg.nqsw_cohort_month - 1];
    if (from_start ? at < after : at <= after)
        at += YEAR_DAYS;
    if (at < m->end_time)
        cp_kernel_schedule_at(m->kernel, at, PRIO_WORKFORCE, on_nqsw_cohort, m, 0);
}

static void on_nqsw_cohort(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)arg;
    cp_model *m = ctx;
    unsigned places = gsl_ran_poisson(rng(m, CP_STREAM_RECRUITMENT), m->cfg.nqsw_cohort_size);
    for (int32_t post = 0; post < m->post_count && places > 0; post++) {
        cp_post *p = &m->posts[post];
        if (p->holder >= 0)
            continue;
        permanent_starts(m, post, WORKER_NQSW, 0.0);
        places--;
    }
    schedule_cohort(m, cp_kernel_now(k), false);
}

/* ---- leaving ------------------------------------------------------------ */

/* A worker leaves now: their cases go back on the list, the post opens. */
void worker_depart(cp_model *m, int32_t wid) {
    cp_worker *w = &m->workers[wid];
    CP_ASSERT(w->active);
    int32_t returned = w->n_cases;
    workforce_release_cases(m, wid);
    w = &m->workers[wid];
    cp_kernel_cancel(m->kernel, w->leave_event);
    cp_kernel_cancel(m->kernel, w->return_event);
    cp_kernel_cancel(m->kernel, w->convert_event);
    if (w->absent)
        m->n_absent--;
    area_update(m);
    worker_count_in(m, w, -1.0);
    w->active = false;
    model_tell(m, CP_STORY_LEFT, w, wid, (double)returned, worker_type_name(w->type));
    cp_post *p = &m->posts[w->post];
    int32_t post = w->post;
    if (w->type == WORKER_AGENCY) {
        p->agency = -1;
        if (p->holder < 0)
            agency_request(m, post);
        agency_offer_room(m);
    } else {
        p->holder = -1;
        p->vacant_since = cp_kernel_now(m->kernel);
        if (w->on_notice) {
            m->insp_leavers += w->fte;
            if (m->measuring) {
                m->st.leavers_fte += w->fte;
                m->st.iv_leavers += w->fte;
            }
        }
        p->agency_wanted =
            cp_rng_uniform(rng(m, CP_STREAM_RECRUITMENT)) < m->cfg.agency_cover_share;
        agency_request(m, post);
        campaign_start(m, post);
    }
    w->next_free = m->worker_free;
    m->worker_free = wid;
}

static void on_worker_leaves(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    m->workers[arg].leave_event = CP_EVENT_NONE;
    worker_depart(m, (int32_t)arg);
}

static void resign(cp_model *m, int32_t wid) {
    cp_worker *w = &m->workers[wid];
    const cp_config *c = &m->cfg;
    w->on_notice = true;
    double weeks = w->type == WORKER_AGENCY ? c->notice_weeks_agency : c->notice_weeks_permanent;
    w->leave_event = cp_kernel_schedule_in(m->kernel, weeks * WEEK_DAYS, PRIO_WORKFORCE,
                                           on_worker_leaves, m, (uint64_t)wid);
    model_tell(m, CP_STORY_RESIGNED, w, wid, weeks, worker_type_name(w->type));
    if (w->type != WORKER_AGENCY && m->measuring &&
        cp_rng_uniform(rng(m, CP_STREAM_TURNOVER)) < c->turnover_to_agency_share)
        m->st.leavers_to_agency += w->fte;
}

/* ---- sickness ----------------------------------------------------------- */

static void on_sickness_ends(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    cp_worker *w = &m->workers[arg];
    w->return_event = CP_EVENT_NONE;
    if (!w->active || !w->absent)
        return;
    w->absent = false;
    m->n_absent--;
}

/* reallocate_after_wd working days into a long spell its cases go back on
 * the list; arg is the worker's id and serial, so a leaver's reused id (or a
 * spell that has ended) is recognised and nothing happens. */
static void on_sickness_reallocate(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    int32_t wid = (int32_t)(arg & 0xffffffffu);
    cp_worker *w = &m->workers[wid];
    /* the spell outlasts this moment (it is longer than the limit), so an
     * active, absent worker with the same serial is still in it */
    if (!w->active || !w->absent || w->serial != (uint32_t)(arg >> 32))
        return;
    workforce_release_cases(m, wid);
}

static void start_sickness(cp_model *m, int32_t wid) {
    const cp_config *c = &m->cfg;
    gsl_rng *r = rng(m, CP_STREAM_SICKNESS);
    bool long_spell = cp_rng_uniform(r) < c->sickness_long_share;
    double wd =
        cp_rng_exponential(r, long_spell ? c->sickness_long_mean_wd : c->sickness_short_mean_wd);
    if (wd < 0.5)
        wd = 0.5;
    double now = cp_kernel_now(m->kernel);
    cp_worker *w = &m->workers[wid];
    w->absent = true;
    w->absent_from = now;
    w->absent_until = calendar_add_working_days(m, now, wd);
    m->n_absent++;
    w->return_event = cp_kernel_schedule_at(m->kernel, w->absent_until, PRIO_WORKFORCE,
                                            on_sickness_ends, m, (uint64_t)wid);
    model_tell(m, CP_STORY_SICK, w, wid, wd, long_spell ? "long-term" : "short-term");
    if (wd > c->sickness_reallocate_after_wd)
        cp_kernel_schedule_at(m->kernel,
                              calendar_add_working_days(m, now, c->sickness_reallocate_after_wd),
                              PRIO_WORKFORCE, on_sickness_reallocate, m,
                              (uint64_t)(uint32_t)wid | (uint64_t)w->serial << 32);
}

/* ---- start of a replication -------------------------------------------- */

cp_status workforce_start(cp_model *m, cp_error *err) {
    const cp_config *c = &m->cfg;
    int32_t posts = (int32_t)ceil(c->social_workers - 1e-9);
    if (posts > m->post_count) {
        cp_post *grown = realloc(m->posts, (size_t)posts * sizeof *grown);
        if (!grown)
            return cp_error_set(err, CP_ENOMEM, "out of memory for %d posts", posts);
        m->posts = grown;
    }
    m->post_count = posts;
    m->establishment = c->social_workers;
    m->vacant_fte = c->social_workers;
    gsl_rng *r = rng(m, CP_STREAM_TEAM);
    double cover = c->initial_vacancy_share > 0.0 ? c->initial_agency_share / c->initial_vacancy_share : 0.0;
    for (int32_t i = 0; i < posts; i++) {
        cp_post *p = &m->posts[i];
        memset(p, 0, sizeof *p);
        p->holder = p->agency = -1;
        p->fte = i + 1 <= c->social_workers ? 1.0 : c->social_workers - i;
    }
    for (int32_t i = 0; i < posts; i++) {
        cp_post *p = &m->posts[i];
        if (c->mech_recruitment && cp_rng_uniform(r) < c->initial_vacancy_share) {
            p->agency_wanted = cp_rng_uniform(r) < cover;
            /* the agency cap holds from the start, as on_agency_arrives keeps it */
            if (p->agency_wanted && agency_has_room(m, p->fte)) {
                int32_t id = worker_new(m, WORKER_AGENCY, i, agency_experience(m));
                m->posts[i].agency = id;
            }
            campaign_start(m, i);
            continue;
        }
        bool nqsw = c->mech_recruitment && cp_rng_uniform(r) < c->initial_nqsw_share;
        double experience = nqsw ? 0.0 : gsl_ran_gamma(r, 2.0, c->experience_mean_years / 2.0);
        int32_t id = worker_new(m, nqsw ? WORKER_NQSW : WORKER_PERMANENT, i, experience);
        m->posts[i].holder = id;
        if (nqsw) {
            double into = cp_rng_uniform(r);
            m->workers[id].experience_at_start = into;
            m->workers[id].convert_event = cp_kernel_schedule_in(
                m->kernel, (1.0 - into) * YEAR_DAYS, PRIO_WORKFORCE, on_nqsw_qualifies, m, (uint64_t)id);
        }
        /* The team at the start has its experience as its service here, as
         * the turnover multiplier takes it (docs/model.md). */
        m->workers[id].service_at_start = m->workers[id].experience_at_start;
    }
    for (int32_t i = 0; i < m->worker_count; i++) {
        cp_worker *w = &m->workers[i];
        w->intends_to_leave = c->mech_turnover && cp_rng_uniform(r) < c->turnover_intention_share;
    }
    if (c->mech_recruitment && c->nqsw_cohort_size > 0.0)
        schedule_cohort(m, 0.0, true);
    return CP_OK;
}

/* ---- the weekly update -------------------------------------------------- */

static double working_days_between(const cp_model *m, double a, double b) {
    return b > a ? calendar_working_days_at(m, b) - calendar_working_days_at(m, a) : 0.0;
}

/* Supervision hours a week a worker needs: monthly sessions, except that an
 * NQSW has them weekly at first, then fortnightly, then monthly (ASYE),
 * counted from the start of its NQSW year (its experience: an NQSW in the
 * team at the start of a run may be months into it). */
static double supervision_needed(const cp_model *m, const cp_worker *w) {
    const cp_config *c = &m->cfg;
    if (w->type != WORKER_NQSW)
        return c->hours_per_worker_month * 12.0 / 52.0;
    double weeks = worker_experience(m, w) * YEAR_DAYS / WEEK_DAYS;
    double sessions_a_week = weeks < c->nqsw_weekly_weeks                         ? 1.0
                             : weeks < c->nqsw_fortnightly_months * 52.0 / 12.0 ? 0.5
                                                                                 : 12.0 / 52.0;
    return c->nqsw_session_hours * sessions_a_week;
}

static double resign_multiplier(const cp_model *m, const cp_worker *w) {
    const cp_config *c = &m->cfg;
    double f = 1.0;
    if (worker_experience(m, w) < 5.0)
        f *= c->turnover_early_service_factor;
    if (w->type == WORKER_AGENCY) {
        double over = w->load - c->comfortable_load;
        f *= c->turnover_agency_factor * (1.0 + c->turnover_agency_load_factor * (over > 0.0 ? over : 0.0));
    } else {
        if (c->retention_bonus)
            f *= c->retention_bonus_factor;
        f *= 1.0 - c->pay_premium_retention_effect * c->pay_premium / 0.1 > 0.0
                 ? 1.0 - c->pay_premium_retention_effect * c->pay_premium / 0.1
                 : 0.0;
    }
    if (m->inadequate)
        f *= c->inadequate_turnover_factor;
    return f;
}

void workforce_weekly(cp_model *m) {
    const cp_config *c = &m->cfg;
    double now = cp_kernel_now(m->kernel);
    if (m->inadequate && now >= m->inadequate_until)
        m->inadequate = false;

    /* Supervision: the managers' hours, less what the waiting list and duty
     * escalations eat, shared pro rata over what the workers need. */
    double manager_hours = c->team_managers * c->manager_hours_per_week -
                           c->hours_per_unallocated_case * m->n_waiting -
                           c->hours_per_escalation * m->escalations_week;
    m->escalations_week = 0.0;
    double needed_supervision = 0.0;
    for (int32_t i = 0; i < m->worker_count; i++) {
        const cp_worker *w = &m->workers[i];
        if (w->active)
            needed_supervision += supervision_needed(m, w);
    }
    double supervision = needed_supervision > 0.0 ? manager_hours / needed_supervision : 1.0;
    supervision = supervision < 0.0 ? 0.0 : supervision > 1.0 ? 1.0 : supervision;
    m->hours_supervision_share = supervision;

    double week = WEEK_DAYS / YEAR_DAYS;
    double week_wd = working_days_between(m, now - WEEK_DAYS, now);
    double p_lapse = 1.0 - exp(-c->turnover_intention_lapse * week);
    double p = c->turnover_intention_share;
    double resign_base = c->turnover_annual_rate / (52.0 * p);
    double form_base = p * (p_lapse + resign_base) / (1.0 - p);
    /* factor^((burnout - reference) / 10) as exp(log(factor) x): one exp a
     * worker instead of a pow */
    double log_sick_factor = log(c->sickness_burnout_factor) / 10.0;
    double log_turnover_factor = log(c->turnover_burnout_factor) / 10.0;
    double week_cases = 0.0, week_fte = 0.0;
    gsl_rng *rb = rng(m, CP_STREAM_BURNOUT);
    gsl_rng *rt = rng(m, CP_STREAM_TURNOVER);
    gsl_rng *rs = rng(m, CP_STREAM_SICKNESS);
    int32_t count = m->worker_count;
    for (int32_t i = 0; i < count; i++) {
        cp_worker *w = &m->workers[i];
        if (!w->active)
            continue;
        double contracted = c->hours_per_week * w->fte;
        double needed = worker_needed_hours(m, w);
        w->load = needed / contracted;
        double overtime = needed - contracted;
        double max_ot = c->max_overtime_hours * w->fte;
        overtime = overtime < 0.0 ? 0.0 : overtime > max_ot ? max_ot : overtime;
        if (w->absent || w->on_leave)
            overtime = 0.0;
        w->overtime = overtime;
        w->supervision = supervision;

        if (c->mech_burnout) {
            double above = w->load - c->comfortable_load;
            double rise = w->absent || w->on_leave ? 0.0
                          : c->burnout_gain * (above > 0.0 ? above : 0.0) +
                                c->burnout_overtime_gain * overtime / 10.0;
            double recovery = c->burnout_recovery * (w->burnout - c->burnout_floor) *
                              (1.0 - c->burnout_supervision_weight * (1.0 - supervision)) *
                              (w->on_leave ? c->burnout_leave_recovery : 1.0);
            double b = w->burnout + rise - recovery;
            w->burnout = b < 0.0 ? 0.0 : b > 100.0 ? 100.0 : b;
        }

        if (m->measuring) {
            stats *st = &m->st;
            st->burnout_sum += w->burnout;
            st->burnout50 += w->burnout > 50.0;
            st->burnout75 += w->burnout > 75.0;
            st->burnout_n++;
            st->overtime_sum += overtime;
            st->overtime_n++;
            st->available_wd += week_wd * w->fte;
            if (w->absent || w->absent_until > now - WEEK_DAYS)
                st->sick_wd += working_days_between(m, w->absent_from > now - WEEK_DAYS ? w->absent_from : now - WEEK_DAYS,
                                                    w->absent_until < now ? w->absent_until : now) * w->fte;
            if (w->n_cases > 0) {
                double per_fte = w->n_cases / w->fte;
                histogram_add(&st->caseload_hist, per_fte);
                st->caseload_samples++;
                if (w->n_cases > worker_case_cap(m, w) + 1e-9)
                    st->over_cap_samples++;
                week_cases += w->n_cases;
                week_fte += w->fte;
            }
        }
        if (w->n_cases <= worker_case_cap(m, w) + 1e-9)
            w->over_cap_flag = false;

        /* Leave for the coming week. */
        double leave_weeks = c->leave_weeks_per_year;
        if (c->retention_leave && w->type != WORKER_AGENCY &&
            w->service_at_start + (now - w->start_time) / YEAR_DAYS >=
                c->retention_leave_after_years)
            leave_weeks += c->retention_leave_weeks;
        w->on_leave = !w->absent && cp_rng_uniform(rb) < leave_weeks / 52.0;

        if (c->mech_sickness && !w->absent) {
            double rate = c->sickness_spells_per_year *
                          exp(log_sick_factor * (w->burnout - c->burnout_reference));
            if (cp_rng_uniform(rs) < 1.0 - exp(-rate * week)) {
                start_sickness(m, i);
                w = &m->workers[i];
            }
        }

        if (c->mech_turnover && !w->on_notice) {
            if (!w->intends_to_leave) {
                double form = form_base *
                              exp(log_turnover_factor * (w->burnout - c->burnout_reference));
                if (cp_rng_uniform(rt) < form)
                    w->intends_to_leave = true;
            } else if (cp_rng_uniform(rt) < resign_base * resign_multiplier(m, w)) {
                resign(m, i);
            } else if (cp_rng_uniform(rt) < p_lapse) {
                w->intends_to_leave = false;
            }
        }
    }
    if (m->measuring && week_fte > 0.0) {
        m->st.caseload_sum_weeks += week_cases / week_fte;
        m->st.caseload_weeks++;
    }
}

/* ---- inspection --------------------------------------------------------- */

void inspection_run(cp_model *m) {
    const cp_config *c = &m->cfg;
    double now = cp_kernel_now(m->kernel);
    area_update(m);
    double window = now - m->insp_start;
    if (window <= 0.0)
        return;
    double unallocated_per_post = m->insp_unalloc_area / window / m->establishment;
    double late = m->insp_assess_n ? 1.0 - (double)m->insp_assess_in45 / (double)m->insp_assess_n : 0.0;
    double turnover = m->permanent_fte > 0.0 ? m->insp_leavers / (window / YEAR_DAYS) / m->permanent_fte : 0.0;
    double cases = 0.0, fte = 0.0;
    for (int32_t i = 0; i < m->worker_count; i++)
        if (m->workers[i].active && m->workers[i].n_cases > 0) {
            cases += m->workers[i].n_cases;
            fte += m->workers[i].fte;
        }
    double caseload = fte > 0.0 ? cases / fte / c->cap_cases : 0.0;
    /* Each indicator scaled so that 1 is clearly poor; the score is their mean. */
    double score = (unallocated_per_post / 0.5 + late / 0.3 + turnover / 0.3 + caseload) / 4.0;
    bool inadequate = score > c->inadequate_threshold;
    if (inadequate) {
        m->inadequate = true;
        m->inadequate_until = now + c->inadequate_effect_years * YEAR_DAYS;
    }
    model_tell(m, CP_STORY_INSPECTION, NULL, -1, score, inadequate ? "inadequate" : "not inadequate");
    m->insp_start = now;
    m->insp_unalloc_area = 0.0;
    m->insp_assess_n = m->insp_assess_in45 = 0;
    m->insp_leavers = 0.0;
}
