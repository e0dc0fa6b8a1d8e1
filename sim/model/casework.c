/* casework.c: cases from referral to closure: the pathway, the unallocated
 * list, the team manager's allocation, visits and risk recognition, harm and
 * missed risk.
 *
 * Two kinds of stage. Assessment and s47 enquiry are *work*: they progress
 * only while a worker holds the case, at a pace slowed when the worker's
 * demanded hours exceed contracted hours plus the unpaid overtime they can
 * give; a change of worker loses `rework_share` of the work done. CIN, CP
 * plan and care proceedings are *plans*: their length is set at the start
 * (on the working-day calendar) and runs whether or not a worker holds the
 * case; a worker is what makes the plan protect the child (visits, risk
 * recognition). In single-stage (queue) mode the one stage is work with an
 * exponential length in calendar days and no slow-down, so the team is an
 * M/M/c queue with c = the sum of the workers' case caps.
 *
 * The unallocated list is three FIFOs, one per known risk level (highest
 * first, then longest wait). Removal from the middle (a plan ending while
 * unallocated, a closure) is lazy: each entry carries the wait_start it was
 * queued with, and entries that no longer match are skipped.
 *
 * What protects a child while its case is open or recently closed (visits,
 * duty contacts, harm, drift of its true risk, missed risk) is protection.c:
 * every change of a case's state here calls its hook there.
 */
#include "model_internal.h"

#include "cpsim/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- pools and queues --------------------------------------------------- */

int32_t case_alloc(cp_model *m) {
    int32_t id;
    if (m->case_free >= 0) {
        id = m->case_free;
        m->case_free = m->cases[id].worker_slot;
    } else {
        m->cases = model_reserve(m->cases, m->case_count, &m->case_capacity, 1024, sizeof *m->cases);
        id = m->case_count++;
    }
    cp_case *c = &m->cases[id];
    memset(c, 0, sizeof *c);
    c->worker = -1;
    c->worker_slot = -1;
    c->last_worker_serial = 0;
    c->closed_time = -1.0;
    return id;
}

void case_free(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    CP_ASSERT(c->status != CASE_FREE);
    protection_case_freed(m, id);
    c->status = CASE_FREE;
    c->worker_slot = m->case_free;
    m->case_free = id;
}

static void queue_push(id_queue *q, int32_t id, double stamp) {
    if (q->tail - q->head == q->capacity) {
        size_t cap = q->capacity ? 2 * q->capacity : 256;
        int32_t *ids = malloc(cap * sizeof *ids);
        double *stamps = malloc(cap * sizeof *stamps);
        CP_ASSERT(ids != NULL && stamps != NULL);
        size_t n = q->tail - q->head;
        for (size_t i = 0; i < n; i++) {
            ids[i] = q->ids[(q->head + i) % q->capacity];
            stamps[i] = q->stamps[(q->head + i) % q->capacity];
        }
        free(q->ids);
        free(q->stamps);
        q->ids = ids;
        q->stamps = stamps;
        q->capacity = cap;
        q->head = 0;
        q->tail = n;
    }
    q->ids[q->tail % q->capacity] = id;
    q->stamps[q->tail % q->capacity] = stamp;
    q->tail++;
}

/* Queues a case that has been waiting since `stamp` behind everyone who has
 * waited longer. */
static void queue_insert_by_wait(id_queue *q, int32_t id, double stamp) {
    queue_push(q, id, stamp);
    for (size_t i = q->tail - 1; i > q->head; i--) {
        size_t at = i % q->capacity, before = (i - 1) % q->capacity;
        if (q->stamps[before] <= stamp)
            break;
        q->ids[at] = q->ids[before];
        q->stamps[at] = q->stamps[before];
        q->ids[before] = id;
        q->stamps[before] = stamp;
    }
}

/* Drops stale entries at the front; returns the front case id or -1. */
static int32_t waiting_front(cp_model *m, id_queue *q) {
    while (q->tail > q->head) {
        size_t at = q->head % q->capacity;
        const cp_case *c = &m->cases[q->ids[at]];
        if (c->status == CASE_WAITING && c->wait_start == q->stamps[at])
            return q->ids[at];
        q->head++;
    }
    return -1;
}

/* The service now knows a child's true risk (at a visit or a duty
 * contact): a high risk found in a child in need plan calls for an s47
 * enquiry. */
void risk_recognised(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    c->known_risk = c->true_risk;
    if (c->true_risk == RISK_HIGH && c->stage == CP_STAGE_CIN)
        case_open_stage(m, id, CP_STAGE_S47);
}

/* A waiting child whose risk a duty contact has just recognised joins the
 * list of that risk, in order of wait: allocation takes the highest known
 * risk, then the longest wait. Its entry on the lower list also stays valid
 * while it waits (so a lower pass may still take it, if the higher pass was
 * stopped by a case nobody could take) and is skipped as stale once the case
 * is allocated or re-queued with a new wait_start. */
void waiting_recognise(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    CP_ASSERT(c->status == CASE_WAITING && c->known_risk < c->true_risk);
    queue_insert_by_wait(&m->waiting[c->true_risk], id, c->wait_start);
    risk_recognised(m, id);
}

bool waiting_pressure(const cp_model *m) {
    return !m->cfg.single_stage && m->n_waiting > m->cfg.pressure_threshold * m->establishment;
}

static void waiting_leave(cp_model *m, cp_case *c) {
    CP_ASSERT(c->status == CASE_WAITING);
    area_update(m);
    m->n_waiting--;
    if (c->true_risk == RISK_HIGH)
        m->n_high_waiting--;
    CP_ASSERT(m->n_waiting >= 0 && m->n_high_waiting >= 0);
}

void case_enqueue(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    area_update(m);
    c->status = CASE_WAITING;
    c->wait_start = cp_kernel_now(m->kernel);
    c->worker = -1;
    queue_push(&m->waiting[c->known_risk], id, c->wait_start);
    m->n_waiting++;
    if (c->true_risk == RISK_HIGH)
        m->n_high_waiting++;
    if (m->measuring && m->n_waiting > m->st.unalloc_max)
        m->st.unalloc_max = m->n_waiting;
    protection_case_waiting(m, id);
}

/* ---- durations and work ------------------------------------------------- */

static double draw_stage_wd(cp_model *m, cp_stage_id stage) {
    const cp_stage_config *s = &m->cfg.stage[stage];
    gsl_rng *r = rng(m, CP_STREAM_DURATIONS);
    double mean = s->duration_mean_wd, cv = s->duration_cv;
    if (cv <= 0.0 || mean <= 0.0)
        return mean;
    if (s->duration_dist == CP_DIST_GAMMA) {
        double shape = 1.0 / (cv * cv);
        return gsl_ran_gamma(r, shape, mean / shape);
    }
    /* lognormal through GSL's ziggurat normal: the same distribution as
     * gsl_ran_lognormal with about one uniform a draw instead of 2.5 */
    return exp(m->stage_log_mu[stage] + m->stage_log_sigma[stage] * gsl_ran_gaussian_ziggurat(r, 1.0));
}

void casework_begin(cp_model *m) {
    for (int s = 0; s < CP_STAGE_COUNT; s++) {
        double mean = m->cfg.stage[s].duration_mean_wd, cv = m->cfg.stage[s].duration_cv;
        double sigma2 = log1p(cv * cv);
        m->stage_log_mu[s] = mean > 0.0 ? log(mean) - 0.5 * sigma2 : 0.0; /* unused at 0 */
        m->stage_log_sigma[s] = sqrt(sigma2);
    }
    m->settle_later = false;
}

static double stage_weight(const cp_model *m, const cp_case *c) {
    return m->cfg.single_stage ? 1.0 : m->cfg.stage[c->stage].weight;
}

/* Calendar days per working day of work for this worker: >1 when demanded
 * hours exceed contracted hours plus the overtime they can give. */
static double worker_slowdown(const cp_model *m, const cp_worker *w) {
    if (m->cfg.single_stage)
        return 1.0;
    double available = (m->cfg.hours_per_week + m->cfg.max_overtime_hours) * w->fte;
    double needed = worker_needed_hours(m, w);
    return needed > available ? needed / available : 1.0;
}

static void on_stage_end(cp_kernel *k, void *ctx, uint64_t arg);

static void work_start(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    const cp_worker *w = &m->workers[c->worker];
    double now = cp_kernel_now(m->kernel);
    double remaining = c->work_total_wd - c->work_done_wd;
    if (remaining < 0.0)
        remaining = 0.0;
    c->work_started = now;
    c->work_pace = worker_slowdown(m, w);
    double end = m->cfg.single_stage ? now + remaining
                                     : calendar_add_working_days(m, now, remaining * c->work_pace);
    c->stage_event = cp_kernel_schedule_at(m->kernel, end, PRIO_CASE, on_stage_end, m, (uint64_t)id);
}

static void work_pause(cp_model *m, cp_case *c) {
    double now = cp_kernel_now(m->kernel);
    double elapsed = m->cfg.single_stage
                         ? now - c->work_started
                         : calendar_working_days_at(m, now) -
                               calendar_working_days_at(m, c->work_started);
    c->work_done_wd += elapsed / c->work_pace;
    cp_kernel_cancel(m->kernel, c->stage_event);
    c->stage_event = CP_EVENT_NONE;
}

/* ---- workers and cases -------------------------------------------------- */

static void worker_add_case(cp_model *m, int32_t wid, int32_t id) {
    cp_worker *w = &m->workers[wid];
    w->cases = model_reserve(w->cases, w->n_cases, &w->cases_capacity, 32, sizeof *w->cases);
    cp_case *c = &m->cases[id];
    c->worker = wid;
    c->worker_slot = w->n_cases;
    w->cases[w->n_cases++] = id;
    w->points += stage_weight(m, c);
}

static void worker_remove_case(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    cp_worker *w = &m->workers[c->worker];
    CP_ASSERT(c->worker_slot >= 0 && c->worker_slot < w->n_cases && w->cases[c->worker_slot] == id);
    int32_t last = w->cases[--w->n_cases];
    w->cases[c->worker_slot] = last;
    m->cases[last].worker_slot = c->worker_slot;
    w->points -= stage_weight(m, c);
    if (w->n_cases == 0 || w->points < 1e-9)
        w->points = w->n_cases == 0 ? 0.0 : w->points;
    CP_ASSERT(w->points >= -1e-9);
    c->last_worker_serial = w->serial;
    c->worker = -1;
    c->worker_slot = -1;
}

/* Takes a case off its worker (a leaver, a long absence): it goes back on
 * the unallocated list. */
void case_unassign(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    CP_ASSERT(c->status == CASE_ALLOCATED);
    if (c->work_stage)
        work_pause(m, c);
    worker_remove_case(m, id);
    case_enqueue(m, id);
}

static void case_assign(cp_model *m, int32_t id, int32_t wid) {
    cp_case *c = &m->cases[id];
    double now = cp_kernel_now(m->kernel);
    waiting_leave(m, c);
    double waited = now - c->wait_start;
    if (m->measuring) {
        m->st.wait_sum += waited;
        m->st.wait_n++;
        histogram_add(&m->st.wait_hist, waited);
    }
    if (c->true_risk == RISK_HIGH && waited > 7.0)
        model_tell(m, CP_STORY_HIGH_RISK_WAITING, &m->workers[wid], wid, waited, NULL);
    /* Ids of leavers are reused: a newcomer with a leaver's id is a change
     * of worker all the same, so holders are told apart by serial. */
    uint32_t serial = m->workers[wid].serial;
    if (c->last_worker_serial != 0 && c->last_worker_serial != serial) {
        c->worker_changes++;
        c->familiar_visits = 0;
        if (c->work_stage && !m->cfg.single_stage)
            c->work_done_wd *= 1.0 - m->cfg.rework_share;
    } else if (c->last_worker_serial == 0) {
        c->familiar_visits = 0;
    }
    c->status = CASE_ALLOCATED;
    worker_add_case(m, wid, id);
    cp_worker *w = &m->workers[wid];
    double cap = worker_case_cap(m, w);
    if (!w->over_cap_flag && w->n_cases > cap + 1e-9) {
        w->over_cap_flag = true;
        model_tell(m, CP_STORY_OVER_CAP, w, wid, w->n_cases / w->fte, NULL);
    }
    if (c->work_stage)
        work_start(m, id);
    protection_case_assigned(m, id);
}

/* ---- the pathway -------------------------------------------------------- */

void case_open_stage(cp_model *m, int32_t id, cp_stage_id stage) {
    cp_case *c = &m->cases[id];
    const cp_config *cfg = &m->cfg;
    double now = cp_kernel_now(m->kernel);
    bool held = c->status == CASE_ALLOCATED;
    double old_weight = held ? stage_weight(m, c) : 0.0;
    if (c->stage_event != CP_EVENT_NONE) { /* a plan ending: replaced by this stage */
        cp_kernel_cancel(m->kernel, c->stage_event);
        c->stage_event = CP_EVENT_NONE;
    }
    c->stage = (uint8_t)stage;
    c->stage_start = now;
    c->work_stage = cfg->single_stage || stage == CP_STAGE_ASSESSMENT || stage == CP_STAGE_S47;
    c->early_closed = false;
    if (held)
        m->workers[c->worker].points += stage_weight(m, c) - old_weight;
    if (m->measuring) {
        if (stage == CP_STAGE_S47)
            m->st.s47s++;
        else if (stage == CP_STAGE_CP)
            m->st.cp_plans++;
        else if (stage == CP_STAGE_PROCEEDINGS)
            m->st.proceedings++;
    }
    if (c->work_stage) {
        c->work_total_wd = cfg->single_stage
                               ? cp_rng_exponential(rng(m, CP_STREAM_DURATIONS),
                                                     cfg->single_stage_mean_days)
                               : draw_stage_wd(m, stage);
        c->work_done_wd = 0.0;
    } else {
        double wd = draw_stage_wd(m, stage);
        if (stage == CP_STAGE_CIN && waiting_pressure(m)) {
            wd *= cfg->early_close_factor;
            c->early_closed = true;
        }
        c->plan_end = calendar_add_working_days(m, now, wd);
        c->stage_event =
            cp_kernel_schedule_at(m->kernel, c->plan_end, PRIO_CASE, on_stage_end, m, (uint64_t)id);
    }
    c->next_visit_due = calendar_add_working_days(m, now, cfg->stage[stage].visit_interval_wd);
    protection_stage_opened(m, id);
    if (held) {
        if (c->work_stage)
            work_start(m, id);
    } else if (c->status != CASE_WAITING) {
        case_enqueue(m, id);
        if (cfg->single_stage)
            allocation_run(m);
    }
}

static void on_rereferral(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    int32_t id = (int32_t)arg;
    cp_case *c = &m->cases[id];
    CP_ASSERT(c->status == CASE_CLOSED && c->rereferral_pending);
    c->rereferral_pending = false;
    c->closed_time = -1.0; /* its closed-FIFO entry is now stale */
    demand_refer(m, id, true);
}

void case_close(cp_model *m, int32_t id, bool wrong, bool early) {
    cp_case *c = &m->cases[id];
    const cp_config *cfg = &m->cfg;
    double now = cp_kernel_now(m->kernel);
    if (c->stage_event != CP_EVENT_NONE) {
        cp_kernel_cancel(m->kernel, c->stage_event);
        c->stage_event = CP_EVENT_NONE;
    }
    if (c->status == CASE_ALLOCATED)
        worker_remove_case(m, id);
    else if (c->status == CASE_WAITING)
        waiting_leave(m, c);
    if (m->measuring && c->status != CASE_AT_DOOR) {
        m->st.closed_n++;
        m->st.changes_sum += c->worker_changes;
        if (c->worker_changes >= 2)
            m->st.changes2 += 1.0;
    }
    c->status = CASE_CLOSED;
    c->wrong_closed = wrong;
    c->early_closed = early || c->early_closed;
    c->closed_time = now;
    c->expires = now + cfg->closed_followup_days;
    c->last_worker_serial = 0;
    if (cfg->mech_rereferral && !cfg->single_stage) {
        double p = cfg->rereferral_base * (c->early_closed ? cfg->rereferral_early_close_factor : 1.0) *
                   (wrong ? cfg->rereferral_wrong_close_factor : 1.0);
        if (cp_rng_uniform(rng(m, CP_STREAM_REREFERRAL)) < p) {
            double at = now + gsl_rng_uniform_pos(rng(m, CP_STREAM_REREFERRAL)) * YEAR_DAYS;
            if (at < m->end_time) {
                c->rereferral_pending = true;
                if (at > c->expires)
                    c->expires = at;
                cp_kernel_schedule_at(m->kernel, at, PRIO_ARRIVAL, on_rereferral, m, (uint64_t)id);
            }
        }
    }
    protection_case_closed(m, id);
    if (c->expires <= now && !c->rereferral_pending) {
        case_free(m, id);
    } else {
        queue_push(&m->closed, id, c->closed_time);
    }
}

/* The case leaves the team for good (a care order). */
static void case_leave_team(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    if (c->status == CASE_ALLOCATED)
        worker_remove_case(m, id);
    else if (c->status == CASE_WAITING)
        waiting_leave(m, c);
    if (m->measuring) {
        m->st.closed_n++;
        m->st.changes_sum += c->worker_changes;
        if (c->worker_changes >= 2)
            m->st.changes2 += 1.0;
    }
    case_free(m, id);
}

double worker_quality(const cp_model *m, const cp_worker *w, const cp_case *c) {
    const cp_config *cfg = &m->cfg;
    if (!w)
        return cfg->duty_quality;
    double exp_years = worker_experience(m, w);
    double q = cfg->quality_max - cfg->quality_experience_loss * exp(-exp_years / cfg->quality_experience_years) -
               cfg->quality_burnout_loss * w->burnout / 100.0 -
               cfg->quality_overload_loss * (w->load > 1.0 ? w->load - 1.0 : 0.0) -
               cfg->quality_supervision_loss * (1.0 - w->supervision);
    if (cfg->familiarity_visits > 0.0) {
        double f = c->familiar_visits / cfg->familiarity_visits;
        q *= 0.5 + 0.5 * (f < 1.0 ? f : 1.0);
    }
    return q < 0.01 ? 0.01 : q > 0.99 ? 0.99 : q;
}

/* The worker's (or duty's) judgement of the child's risk: right with
 * probability q, else one level too low; always right with
 * mechanisms.triage_errors off. */
static uint8_t judge_risk(cp_model *m, const cp_case *c) {
    if (!m->cfg.mech_triage_errors)
        return c->true_risk;
    const cp_worker *w = c->worker >= 0 ? &m->workers[c->worker] : NULL;
    double q = worker_quality(m, w, c);
    if (c->true_risk == RISK_LOW || cp_rng_uniform(rng(m, CP_STREAM_JUDGEMENT)) < q)
        return c->true_risk;
    return (uint8_t)(c->true_risk - 1);
}

static void on_stage_end(cp_kernel *k, void *ctx, uint64_t arg) {
    cp_model *m = ctx;
    int32_t id = (int32_t)arg;
    cp_case *c = &m->cases[id];
    const cp_config *cfg = &m->cfg;
    gsl_rng *r = rng(m, CP_STREAM_JUDGEMENT);
    double now = cp_kernel_now(k);
    c->stage_event = CP_EVENT_NONE;
    if (cfg->single_stage) {
        case_close(m, id, false, false);
        allocation_run(m);
        return;
    }
    switch ((cp_stage_id)c->stage) {
    case CP_STAGE_ASSESSMENT: {
        if (m->measuring) {
            m->st.assessments++;
            m->st.assess_n++;
            double wd = calendar_working_days_at(m, now) - calendar_working_days_at(m, c->referral_time);
            if (wd <= 45.0)
                m->st.assess_in45++;
        }
        m->insp_assess_n++;
        if (calendar_working_days_at(m, now) - calendar_working_days_at(m, c->referral_time) <= 45.0)
            m->insp_assess_in45++;
        c->known_risk = judge_risk(m, c);
        double ra = demand_risk_aversion(m, now);
        double u = cp_rng_uniform(r);
        if (c->known_risk == RISK_HIGH) {
            case_open_stage(m, id, CP_STAGE_S47);
        } else if (c->known_risk == RISK_MEDIUM) {
            double s47 = cfg->s47_after_assessment_medium * ra;
            if (u < s47)
                case_open_stage(m, id, CP_STAGE_S47);
            else if (u < s47 + cfg->close_after_assessment_medium / ra)
                case_close(m, id, c->true_risk > RISK_MEDIUM, waiting_pressure(m));
            else
                case_open_stage(m, id, CP_STAGE_CIN);
        } else {
            double s47 = cfg->s47_after_assessment_low * ra;
            if (u < s47)
                case_open_stage(m, id, CP_STAGE_S47);
            else if (u < s47 + cfg->close_after_assessment_low / ra)
                case_close(m, id, c->true_risk > RISK_LOW, false);
            else
                case_open_stage(m, id, CP_STAGE_CIN);
        }
        break;
    }
    case CP_STAGE_S47: {
        c->known_risk = judge_risk(m, c);
        double p = c->known_risk == RISK_HIGH ? cfg->icpc_share_high : cfg->icpc_share_other;
        if (cp_rng_uniform(r) < p) {
            if (m->measuring) {
                m->st.icpcs++;
                m->st.icpc_n++;
                double wd = calendar_working_days_at(m, now) - calendar_working_days_at(m, c->stage_start);
                if (wd <= 15.0)
                    m->st.icpc_in15++;
            }
            case_open_stage(m, id, CP_STAGE_CP);
        } else if (c->known_risk >= RISK_MEDIUM) {
            case_open_stage(m, id, CP_STAGE_CIN);
        } else {
            case_close(m, id, c->true_risk > RISK_LOW, false);
        }
        break;
    }
    case CP_STAGE_CIN:
        case_close(m, id, c->true_risk > c->known_risk, c->early_closed);
        break;
    case CP_STAGE_CP:
        if (c->true_risk == RISK_HIGH && cp_rng_uniform(r) < cfg->proceedings_share_high)
            case_open_stage(m, id, CP_STAGE_PROCEEDINGS);
        else if (c->true_risk == RISK_HIGH || cp_rng_uniform(r) < cfg->cin_after_cp_share)
            case_open_stage(m, id, CP_STAGE_CIN);
        else
            case_close(m, id, false, false);
        break;
    case CP_STAGE_PROCEEDINGS:
        if (cfg->care_order_leaves_team)
            case_leave_team(m, id);
        else
            case_open_stage(m, id, CP_STAGE_CIN);
        break;
    default:
        CP_ASSERT(!"unknown stage");
    }
}

/* ---- allocation --------------------------------------------------------- */

/* The workers who can take a case in this allocation round, with their caps
 * worked out once: within a round nobody's eligibility, caps or experience
 * change (the clock stands still), only the caseloads of those who are given
 * cases. Kept in worker id order, so ties still go to the lowest id. */
typedef struct candidates {
    int32_t n;
    bool experience_known; /* the experienced flags: filled in at the round's first high-risk case */
} candidates;

static void candidates_build(cp_model *m, candidates *cs, double margin) {
    cs->n = 0;
    cs->experience_known = false;
    for (int32_t i = 0; i < m->worker_count; i++) {
        const cp_worker *w = &m->workers[i];
        if (!worker_can_take(m, w))
            continue;
        candidate *c = &m->cand[cs->n++];
        c->id = i;
        c->cap_cases = worker_case_cap(m, w);
        c->cap_points = worker_points_cap(m, w);
        c->room_cases = c->cap_cases * margin + 1e-9;
        c->room_points = c->cap_points * margin + 1e-9;
    }
}

static void candidates_know_experience(cp_model *m, candidates *cs) {
    for (int32_t k = 0; k < cs->n; k++)
        m->cand[k].experienced = worker_experience(m, &m->workers[m->cand[k].id]) >=
                                 m->cfg.high_risk_min_experience_years;
    cs->experience_known = true;
}

/* The eligible worker with most spare capacity (ties to the lowest id);
 * for a known high-risk case, an experienced one if any has room. Returns -1
 * when nobody has room. */
static int32_t choose_worker(cp_model *m, candidates *cs, const cp_case *c, bool *inexperienced) {
    const cp_config *cfg = &m->cfg;
    double weight = stage_weight(m, c);
    bool want_experience = c->known_risk == RISK_HIGH && !cfg->single_stage;
    if (want_experience && !cs->experience_known)
        candidates_know_experience(m, cs);
    int32_t best = -1, best_exp = -1;
    double best_spare = -INFINITY, best_exp_spare = -INFINITY;
    for (int32_t k = 0; k < cs->n; k++) {
        const candidate *cand = &m->cand[k];
        const cp_worker *w = &m->workers[cand->id];
        double cap_cases = cand->cap_cases;
        if (w->n_cases + 1 > cand->room_cases)
            continue;
        double spare = (cap_cases - w->n_cases) / cap_cases;
        if (!cfg->single_stage) {
            double cap_points = cand->cap_points;
            if (w->points + weight > cand->room_points)
                continue;
            double spare_points = (cap_points - w->points) / cap_points;
            if (spare_points < spare)
                spare = spare_points;
        }
        if (spare > best_spare) {
            best_spare = spare;
            best = cand->id;
        }
        if (want_experience && cand->experienced && spare > best_exp_spare) {
            best_exp_spare = spare;
            best_exp = cand->id;
        }
    }
    *inexperienced = false;
    if (!want_experience)
        return best;
    if (best_exp >= 0)
        return best_exp;
    *inexperienced = best >= 0;
    return best;
}

void allocation_run(cp_model *m) {
    if (m->n_waiting == 0) {
        /* nothing waits: every entry left on the lists is stale */
        for (int level = RISK_LOW; level <= RISK_HIGH; level++)
            m->waiting[level].head = m->waiting[level].tail;
        return;
    }
    bool pressure = waiting_pressure(m);
    double margin = pressure ? 1.0 + m->cfg.over_cap_margin : 1.0;
    candidates cs;
    candidates_build(m, &cs, margin);
    /* Most days with a list are days when every worker is full: the case
     * caps settle that before looking at any case. */
    bool room = false;
    for (int32_t k = 0; k < cs.n && !room; k++)
        room = m->workers[m->cand[k].id].n_cases + 1 <= m->cand[k].room_cases;
    if (!room)
        return;
    uint32_t allocated = 0;
    for (int level = RISK_HIGH; level >= RISK_LOW; level--) {
        id_queue *q = &m->waiting[level];
        for (;;) {
            /* a round in a huge team can be long: heed an interrupt */
            if ((++allocated & 255) == 0 && model_interrupted(m))
                return;
            int32_t id = waiting_front(m, q);
            if (id < 0)
                break;
            bool inexperienced;
            int32_t wid = choose_worker(m, &cs, &m->cases[id], &inexperienced);
            if (wid < 0)
                break;
            q->head++;
            if (inexperienced && m->measuring)
                m->st.inexperienced += 1.0;
            case_assign(m, id, wid);
        }
    }
}

/* ---- closed cases ------------------------------------------------------- */

/* Frees closed cases whose follow-up has ended and that wait for no
 * re-referral (run weekly: only memory depends on it). */

void casework_expire_closed(cp_model *m) {
    double now = cp_kernel_now(m->kernel);
    id_queue *q = &m->closed;
    while (q->tail > q->head) {
        size_t at = q->head % q->capacity;
        int32_t id = q->ids[at];
        cp_case *c = &m->cases[id];
        bool stale = c->status != CASE_CLOSED || c->closed_time != q->stamps[at];
        if (!stale) {
            if (c->expires > now || c->rereferral_pending)
                break;
            case_free(m, id);
        }
        q->head++;
    }
}
