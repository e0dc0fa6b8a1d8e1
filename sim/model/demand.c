/* demand.c: referrals and the front door.
 *
 * Arrivals are a non-homogeneous Poisson process whose rate is constant
 * within each calendar day: base weekly rate / 7 x the month's seasonal
 * multiplier x (1 + growth)^years x the arrival multipliers of the shocks
 * active that day. The next arrival comes when the rate integrated from now
 * reaches an Exp(1) draw (the time-change construction of a Poisson
 * process): exact for that piecewise-constant rate, with one draw an
 * arrival, no thinning and no draws wasted at midnights.
 *
 * The front door: referrals wait for the duty screener, who decides once a
 * working day (MODEL.md: within one working day). A truly high-risk referral
 * may be screened out; the chance grows when the screener has under two
 * years' experience and when the day's referrals exceed one duty worker's
 * capacity. Risk aversion (scenario, shocks, an inadequate rating) cuts
 * "no further action" and raises direct s47 enquiries. In single-stage
 * (queue) mode there is no front door: every referral is a case at once.
 */
#include "model_internal.h"

#include "cpsim/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>

static double shocks_factor(const cp_model *m, double t, bool arrivals) {
    double f = 1.0;
    for (int i = 0; i < m->cfg.shock_count; i++) {
        const cp_shock_config *s = &m->cfg.shocks[i];
        double start = s->start_years * YEAR_DAYS;
        if (t >= start && t < start + s->length_years * YEAR_DAYS)
            f *= arrivals ? s->arrival_multiplier : s->risk_aversion_multiplier;
    }
    return f;
}

double demand_arrival_rate(const cp_model *m, double t) {
    const cp_config *c = &m->cfg;
    double day = floor(t);
    double rate = c->referrals_per_week / WEEK_DAYS * c->seasonal[calendar_month(day)];
    if (c->growth_per_year != 0.0)
        rate *= pow(1.0 + c->growth_per_year, day / YEAR_DAYS);
    return rate * shocks_factor(m, day, true);
}

double demand_risk_aversion(const cp_model *m, double t) {
    /* by whole days, as the arrival rate: a shock's window starts and ends
     * for both at the same midnights */
    double ra = m->cfg.risk_aversion * shocks_factor(m, floor(t), false);
    if (m->inadequate)
        ra *= m->cfg.inadequate_risk_aversion;
    return ra;
}

static void on_arrival(cp_kernel *k, void *ctx, uint64_t arg);

static void schedule_next_arrival(cp_model *m) {
    /* The next arrival is where the integrated rate from now reaches an
     * Exp(1) draw: one draw an arrival, walking day by day through the
     * piecewise-constant rate. */
    double t = cp_kernel_now(m->kernel);
    double budget = cp_rng_exponential(rng(m, CP_STREAM_ARRIVALS), 1.0);
    for (;;) {
        double rate = demand_arrival_rate(m, t);
        double midnight = floor(t) + 1.0;
        double today = rate * (midnight - t);
        if (rate > 0.0 && budget <= today) {
            double next = t + budget / rate;
            if (next < m->end_time)
                cp_kernel_schedule_at(m->kernel, next, PRIO_ARRIVAL, on_arrival, m, 0);
            return;
        }
        budget -= today;
        t = midnight;
        if (t >= m->end_time)
            return;
    }
}

void demand_start(cp_model *m) {
    if (m->cfg.referrals_per_week > 0.0)
        schedule_next_arrival(m);
}

static int draw_risk(cp_model *m) {
    double u = cp_rng_uniform(rng(m, CP_STREAM_RISK));
    const double *mix = m->cfg.risk_mix;
    if (u < mix[RISK_LOW])
        return RISK_LOW;
    if (u < mix[RISK_LOW] + mix[RISK_MEDIUM])
        return RISK_MEDIUM;
    return RISK_HIGH;
}

void demand_refer(cp_model *m, int32_t id, bool rereferral) {
    cp_case *c = &m->cases[id];
    double now = cp_kernel_now(m->kernel);
    c->referral_time = now;
    c->is_rereferral = rereferral;
    c->worker_changes = 0;
    c->last_worker_serial = 0;
    c->early_closed = c->wrong_closed = false;
    if (m->measuring) {
        m->st.referrals++;
        m->st.iv_referrals += 1.0;
        if (rereferral)
            m->st.rereferrals++;
    }
    if (m->cfg.single_stage) {
        c->known_risk = c->true_risk;
        case_open_stage(m, id, CP_STAGE_ASSESSMENT);
        return;
    }
    protection_case_referred(m, id);
    m->at_door = model_reserve(m->at_door, m->n_at_door, &m->at_door_capacity, 64, sizeof *m->at_door);
    c->status = CASE_AT_DOOR;
    m->at_door[m->n_at_door++] = id;
}

static void on_arrival(cp_kernel *k, void *ctx, uint64_t arg) {
    (void)k;
    (void)arg;
    cp_model *m = ctx;
    int32_t id = case_alloc(m);
    m->cases[id].true_risk = (uint8_t)draw_risk(m);
    demand_refer(m, id, false);
    schedule_next_arrival(m);
}

/* The duty screener of the day: a worker in post and at work, chosen at
 * random (a rota); -1 when nobody is at work. */
static int32_t pick_screener(cp_model *m) {
    int32_t present = 0;
    for (int32_t i = 0; i < m->worker_count; i++) {
        const cp_worker *w = &m->workers[i];
        if (w->active && !w->absent && !w->on_leave)
            present++;
    }
    if (present == 0)
        return -1;
    int32_t pick = (int32_t)gsl_rng_uniform_int(rng(m, CP_STREAM_TRIAGE), (unsigned long)present);
    for (int32_t i = 0; i < m->worker_count; i++) {
        const cp_worker *w = &m->workers[i];
        if (w->active && !w->absent && !w->on_leave && pick-- == 0)
            return i;
    }
    return -1;
}

void demand_screen_batch(cp_model *m) {
    if (m->n_at_door == 0)
        return;
    /* The day's referrals stay listed in at_door until demand_screen_settle:
     * screening adds none (a re-referral comes later, as an event). */
    const cp_config *c = &m->cfg;
    double now = cp_kernel_now(m->kernel);
    gsl_rng *r = rng(m, CP_STREAM_TRIAGE);
    double ra = demand_risk_aversion(m, now);
    int32_t screener = pick_screener(m);
    bool novice = screener < 0 ||
                  worker_experience(m, &m->workers[screener]) < c->high_risk_min_experience_years;
    double overload = m->n_at_door / c->duty_referrals_per_day - 1.0;
    double miss_high = 0.0;
    if (c->mech_triage_errors) {
        miss_high = c->screen_out_high_base * (novice ? c->screen_inexperience_factor : 1.0) *
                    (1.0 + c->screen_load_factor * (overload > 0.0 ? overload : 0.0));
        if (miss_high > 1.0)
            miss_high = 1.0;
    }
    double nfa = c->nfa_share / ra;
    double direct = c->direct_s47_share * ra;
    for (int32_t i = 0; i < m->n_at_door; i++) {
        int32_t id = m->at_door[i];
        cp_case *cs = &m->cases[id];
        if (cs->true_risk == RISK_HIGH) {
            if (cp_rng_uniform(r) < miss_high) {
                if (m->measuring)
                    m->st.screened_out_high++;
                cs->known_risk = RISK_LOW;
                case_close(m, id, true, false);
            } else {
                m->escalations_week += 1.0; /* recognised: the duty worker escalates it */
                cs->known_risk = RISK_HIGH;
                case_open_stage(m, id, cp_rng_uniform(r) < direct ? CP_STAGE_S47
                                                                    : CP_STAGE_ASSESSMENT);
            }
        } else if (cp_rng_uniform(r) < nfa) {
            cs->known_risk = RISK_LOW;
            case_close(m, id, cs->true_risk != RISK_LOW, false);
        } else {
            cs->known_risk = cs->true_risk;
            case_open_stage(m, id, CP_STAGE_ASSESSMENT);
        }
    }
}

void demand_screen_settle(cp_model *m) {
    for (int32_t i = 0; i < m->n_at_door; i++)
        if (m->cases[m->at_door[i]].status == CASE_WAITING)
            protection_settle(m, m->at_door[i]);
    m->n_at_door = 0;
}
