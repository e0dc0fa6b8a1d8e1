/* protection.c: what keeps a child safe, or fails to: visits, duty
 * contacts, serious harm, drift of the child's true risk, and missed risk.
 *
 * Every one of these is an event at the moment it happens, in continuous
 * time (MODEL.md: time is continuous):
 *
 * - Visits. While a worker holds a case, its next visit is an event at the
 *   due date (the stage's visit interval in working days after the last
 *   visit or the start of the stage). The visit is made if the worker is at
 *   work (not off sick, not on leave) and, when their demanded hours exceed
 *   what they can give, with probability available / needed hours. A visit
 *   made may recognise the child's true risk (worker quality); a visit not
 *   made leaves the visits overdue and is tried again after
 *   `worker.visit_retry_wd` working days.
 * - Duty contacts. A child waiting on the list whose risk the list does
 *   not know has one-off duty contacts as a Poisson process of rate
 *   `worker.duty_contacts_per_month`; each recognises the risk with
 *   probability `worker.duty_quality`.
 * - The risk clock. A child known to the service (a referral at the front
 *   door, a case waiting or allocated, or one closed within
 *   `harm.closed_followup_days`) has serious harm at hazard
 *   harm_rate[true risk] x (1 - protection), and its true risk drifts: up
 *   (medium to high) at `escalation_rate` while it lacks the protection it
 *   needs, down one level at `deescalation_rate` under full protection.
 *   Protection changes at many moments (a worker falls sick, goes on leave,
 *   a visit is missed), so the clock is simulated by thinning (Lewis and
 *   Shedler): candidate events come at the child's largest possible rate,
 *   harm_rate[r] + the larger drift rate, and a candidate at time t is harm
 *   with probability h(t) / that rate, a drift with probability d(t) / that
 *   rate, else nothing. That is exact for hazards that change at any moment,
 *   needs no rescheduling when protection changes, and costs one event per
 *   candidate: at the default rates about one a year per medium- or
 *   high-risk child, none within the run for most low-risk ones.
 * - Missed-risk episodes. A high-risk child starts an episode when, after
 *   a change of its case, it lacks the protection it needs for a cause other
 *   than the current episode's (protection_settle). Referrals screened at
 *   the end of a day are settled after that day's allocation, so a child
 *   allocated at once is not counted as unallocated. A referral at the
 *   front door has no missed-risk cause (the service is within its
 *   one-working-day screening), so a re-referral ends the episode of the
 *   child's last closure, and the end of follow-up ends it too.
 *
 * Protection levels: 2 (full: an allocated worker at work, visits not
 * overdue, risk recognised) cuts the hazard by `harm.protection_effect`;
 * 1 (duty cover: at the front door, waiting, worker away, visits overdue,
 * or risk unrecognised) by `harm.duty_protection_effect`; 0 (closed) not at
 * all.
 * With `mechanisms.harm` off (or in queue mode) there is no risk clock and
 * no missed-risk count; visits and duty contacts still happen, since they
 * find risk that changes a case's pathway.
 */
#include "model_internal.h"

#include "cpsim/rng.h"

#include <math.h>

static bool harm_on(const cp_model *m) {
    return m->cfg.mech_harm && !m->cfg.single_stage;
}

static bool worker_present(const cp_worker *w) {
    return !w->absent && !w->on_leave;
}

/* ---- protection and its causes ----------------------------------------- */

/* Known to the service, so exposed to harm: at the front door, open, or
 * closed within the follow-up window. */
static bool case_tracked(const cp_model *m, const cp_case *c, double now) {
    if (c->status == CASE_AT_DOOR || c->status == CASE_WAITING || c->status == CASE_ALLOCATED)
        return true;
    return c->status == CASE_CLOSED && now - c->closed_time < m->cfg.closed_followup_days;
}

/* Why a child that needs protection (true risk medium or high) lacks it,
 * or MISSED_NONE. A referral at the front door has no cause: the service is
 * within its timescale (screening within one working day). */
static int case_cause(const cp_case *c) {
    if (c->true_risk < RISK_MEDIUM)
        return MISSED_NONE;
    switch (c->status) {
    case CASE_WAITING:
        return MISSED_UNALLOCATED;
    case CASE_ALLOCATED:
        if (c->known_risk < c->true_risk)
            return MISSED_UNRECOGNISED;
        return c->visits_overdue ? MISSED_VISITS_OVERDUE : MISSED_NONE;
    case CASE_CLOSED:
        return MISSED_UNRECOGNISED;
    default:
        return MISSED_NONE;
    }
}

/* 0 none (closed), 1 duty cover (at the door, waiting, ...), 2 full. */
static int case_protection(const cp_model *m, const cp_case *c) {
    if (c->status == CASE_WAITING || c->status == CASE_AT_DOOR)
        return 1;
    if (c->status != CASE_ALLOCATED)
        return 0;
    if (c->true_risk >= RISK_MEDIUM && c->known_risk < c->true_risk)
        return 1;
    if (c->visits_overdue || !worker_present(&m->workers[c->worker]))
        return 1;
    return 2;
}

static double protection_cut(const cp_config *cfg, int level) {
    return level == 2 ? cfg->protection_effect : level == 1 ? cfg->duty_protection_effect : 0.0;
}

static void record_harm(cp_model *m, const cp_case *c, int cause) {
    if (m->measuring) {
        m->st.harm += 1.0;
        m->st.iv_harm += 1.0;
        if (cause != MISSED_NONE) {
            m->st.harm_unprotected += 1.0;
            m->st.harm_by_cause[cause] += 1.0;
            m->st.missed[cause] += 1.0;
            m->st.iv_missed += 1.0;
        }
    }
    static const char *const cause_names[] = {"protected", "unallocated", "risk not recognised",
                                               "visits overdue"};
    model_tell(m, CP_STORY_HARM, NULL, c->worker, (double)c->true_risk, cause_names[cause]);
}

void protection_settle(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    /* Only a high-risk child starts episodes; any other has none running. */
    if ((c->true_risk != RISK_HIGH && c->last_missed == MISSED_NONE) || !harm_on(m))
        return;
    int cause = MISSED_NONE;
    if (c->true_risk == RISK_HIGH && case_tracked(m, c, cp_kernel_now(m->kernel)))
        cause = case_cause(c);
    if (cause != MISSED_NONE && cause != c->last_missed) {
        if (m->measuring) {
            m->st.missed[cause] += 1.0;
            m->st.iv_missed += 1.0;
        }
        static const char *const missed_names[] = {"", "unallocated", "risk not recognised",
                                                    "visits overdue"};
        model_tell(m, CP_STORY_MISSED, NULL, c->worker, 0.0, missed_names[cause]);
    }
    c->last_missed = (uint8_t)cause;
}

/* ---- the risk clock: harm and drift by thinning ------------------------- */

static double drift_max_per_day(const cp_config *cfg, int r) {
    if (r == RISK_MEDIUM)
        return fmax(cfg->escalation_rate, cfg->deescalation_rate) / YEAR_DAYS;
    return r == RISK_HIGH ? cfg->deescalation_rate / YEAR_DAYS : 0.0;
}

static void on_risk_clock(cp_kernel *k, void *ctx, uint64_t arg);
static void contact_ensure(cp_model *m, int32_t id);

/* Schedules the child's next candidate event unless one is pending (or
 * none can come before the end of the run). */
static void risk_clock_ensure(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    if (c->risk_event != CP_EVENT_NONE || c->risk_clock_past_end || !harm_on(m))
        return;
    const cp_config *cfg = &m->cfg;
    double rate = cfg->harm_rate[c->true_risk] / YEAR_DAYS + drift_max_per_day(cfg, c->true_risk);
    if (!(rate > 0.0))
        return;
    /* The first candidate is -log(1 - u) / rate ahead (an Exp(1) draw, as
     * cp_rng_exponential makes it). Since 1 - e^-x <= x, it falls after the
     * end of the run whenever u >= rate x the time left: for a low-risk
     * child almost always, and then the logarithm is not needed. */
    double now = cp_kernel_now(m->kernel);
    double u = cp_rng_uniform(rng(m, CP_STREAM_HARM));
    double at = u >= rate * (m->end_time - now) ? m->end_time : now + -log1p(-u) / rate;
    if (at < m->end_time)
        c->risk_event = cp_kernel_schedule_at(m->kernel, at, PRIO_CASE, on_risk_clock, m, (uint64_t)id);
    else
        c->risk_clock_past_end = true;
}

/* The true risk of a child moves by one level. */
static void risk_drifts(cp_model *m, int32_t id, bool up) {
    cp_case *c = &m->cases[id];
    if (up) {
        bool waiting = c->status == CASE_WAITING;
        if (waiting)
            area_update(m);
        c->true_risk = RISK_HIGH;
        if (waiting) {
            m->n_high_waiting++;
            contact_ensure(m, id); /* the list does not know the risk now */
        }
    } else {
        c->true_risk--;
    }
}

static void on_risk_clock(cp_kernel *k, void *ctx, uint64_t arg) {
    cp_model *m = ctx;
    int32_t id = (int32_t)arg;
    cp_case *c = &m->cases[id];
    c->risk_event = CP_EVENT_NONE;
    CP_ASSERT(c->status != CASE_FREE);
    double now = cp_kernel_now(k);
    if (!case_tracked(m, c, now)) {
        /* follow-up over: the episode (if any) ends; the clock restarts if
         * the child is re-referred */
        protection_settle(m, id);
        return;
    }
    const cp_config *cfg = &m->cfg;
    int r = c->true_risk;
    int level = case_protection(m, c), cause = case_cause(c);
    double harm_max = cfg->harm_rate[r] / YEAR_DAYS;
    double u = cp_rng_uniform(rng(m, CP_STREAM_HARM)) * (harm_max + drift_max_per_day(cfg, r));
    if (u < harm_max) {
        if (u < harm_max * (1.0 - protection_cut(cfg, level)))
            record_harm(m, c, cause);
    } else {
        /* up (medium to high) while the child lacks the protection it
         * needs; down one level under an effective plan: full protection,
         * from the assessment on (see docs/model.md) */
        bool up = cause != MISSED_NONE && r == RISK_MEDIUM;
        bool down = cause == MISSED_NONE && level == 2 && r > RISK_LOW;
        double rate = up ? cfg->escalation_rate / YEAR_DAYS
                         : down ? cfg->deescalation_rate / YEAR_DAYS : 0.0;
        if (u - harm_max < rate)
            risk_drifts(m, id, up);
    }
    protection_settle(m, id);
    risk_clock_ensure(m, id);
}

/* ---- duty contacts ------------------------------------------------------ */

static void on_duty_contact(cp_kernel *k, void *ctx, uint64_t arg);

static void contact_ensure(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    const cp_config *cfg = &m->cfg;
    if (c->contact_event != CP_EVENT_NONE || c->contact_past_end || cfg->single_stage ||
        c->status != CASE_WAITING || c->known_risk >= c->true_risk ||
        !(cfg->duty_contacts_per_month > 0.0))
        return;
    double rate = cfg->duty_contacts_per_month * 12.0 / YEAR_DAYS;
    double at = cp_kernel_now(m->kernel) + cp_rng_exponential(rng(m, CP_STREAM_JUDGEMENT), 1.0) / rate;
    if (at < m->end_time)
        c->contact_event = cp_kernel_schedule_at(m->kernel, at, PRIO_CASE, on_duty_contact, m, (uint64_t)id);
    else
        c->contact_past_end = true;
}

static void on_duty_contact(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    cp_model *m = ctx;
    int32_t id = (int32_t)arg;
    cp_case *c = &m->cases[id];
    c->contact_event = CP_EVENT_NONE;
    CP_ASSERT(c->status == CASE_WAITING && c->known_risk < c->true_risk);
    if (!m->cfg.mech_triage_errors || cp_rng_uniform(rng(m, CP_STREAM_JUDGEMENT)) < m->cfg.duty_quality) {
        waiting_recognise(m, id);
        protection_settle(m, id);
    } else {
        contact_ensure(m, id);
    }
}

/* ---- visits ------------------------------------------------------------- */

/* The share of due visits a worker makes: min(1, hours they can give /
 * hours their caseload needs), worked out again only when their caseload
 * points change. */
static double worker_visit_share(const cp_model *m, cp_worker *w) {
    if (w->visit_share_points != w->points) {
        double needed = worker_needed_hours(m, w);
        double can = (m->cfg.hours_per_week + m->cfg.max_overtime_hours) * w->fte;
        w->visit_share = needed > can ? can / needed : 1.0;
        w->visit_share_points = w->points;
    }
    return w->visit_share;
}

static void on_visit(cp_kernel *k, void *ctx, uint64_t arg);

static void visit_schedule(cp_model *m, int32_t id, double at) {
    cp_case *c = &m->cases[id];
    cp_kernel_cancel(m->kernel, c->visit_event);
    c->visit_event = CP_EVENT_NONE;
    double now = cp_kernel_now(m->kernel);
    if (at < now)
        at = now;
    if (at < m->end_time)
        c->visit_event = cp_kernel_schedule_at(m->kernel, at, PRIO_CASE, on_visit, m, (uint64_t)id);
}

static void on_visit(cp_kernel *k, void *ctx, uint64_t arg) {
    cp_model *m = ctx;
    int32_t id = (int32_t)arg;
    cp_case *c = &m->cases[id];
    c->visit_event = CP_EVENT_NONE;
    CP_ASSERT(c->status == CASE_ALLOCATED);
    const cp_config *cfg = &m->cfg;
    double now = cp_kernel_now(k);
    gsl_rng *judge = rng(m, CP_STREAM_JUDGEMENT);
    cp_worker *w = &m->workers[c->worker];
    double p = worker_present(w) ? worker_visit_share(m, w) : 0.0;
    if (p >= 1.0 || (p > 0.0 && cp_rng_uniform(judge) < p)) {
        c->familiar_visits++;
        c->visits_overdue = false;
        c->next_visit_due = calendar_add_working_days(m, now, cfg->stage[c->stage].visit_interval_wd);
        if (c->known_risk < c->true_risk &&
            (!cfg->mech_triage_errors || cp_rng_uniform(judge) < worker_quality(m, w, c)))
            risk_recognised(m, id); /* may open an s47 enquiry, which books its own visit */
        if (c->visit_event == CP_EVENT_NONE)
            visit_schedule(m, id, c->next_visit_due);
    } else {
        c->visits_overdue = true;
        visit_schedule(m, id, calendar_add_working_days(m, now, cfg->visit_retry_wd));
    }
    protection_settle(m, id);
}

/* ---- hooks from the pathway --------------------------------------------- */

void protection_case_referred(cp_model *m, int32_t id) {
    risk_clock_ensure(m, id);
    protection_settle(m, id); /* a re-referral: the episode of its closure ends */
}

void protection_case_waiting(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    cp_kernel_cancel(m->kernel, c->visit_event);
    c->visit_event = CP_EVENT_NONE;
    c->visits_overdue = false;
    c->contact_past_end = false; /* a new spell on the list: its own contacts */
    contact_ensure(m, id);
    risk_clock_ensure(m, id);
    if (!m->settle_later)
        protection_settle(m, id);
}

void protection_case_assigned(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    cp_kernel_cancel(m->kernel, c->contact_event);
    c->contact_event = CP_EVENT_NONE;
    if (!m->cfg.single_stage)
        visit_schedule(m, id, c->next_visit_due); /* at once if it fell due while waiting */
    risk_clock_ensure(m, id);
    protection_settle(m, id);
}

void protection_stage_opened(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    c->visits_overdue = false;
    if (c->status == CASE_ALLOCATED) {
        if (!m->cfg.single_stage)
            visit_schedule(m, id, c->next_visit_due);
        protection_settle(m, id);
    } else if (c->status == CASE_WAITING) {
        protection_settle(m, id);
    }
}

void protection_case_closed(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    cp_kernel_cancel(m->kernel, c->visit_event);
    cp_kernel_cancel(m->kernel, c->contact_event);
    c->visit_event = c->contact_event = CP_EVENT_NONE;
    c->visits_overdue = false;
    risk_clock_ensure(m, id);
    protection_settle(m, id);
}

void protection_case_freed(cp_model *m, int32_t id) {
    cp_case *c = &m->cases[id];
    cp_kernel_cancel(m->kernel, c->visit_event);
    cp_kernel_cancel(m->kernel, c->contact_event);
    cp_kernel_cancel(m->kernel, c->risk_event);
    c->visit_event = c->contact_event = c->risk_event = CP_EVENT_NONE;
}
