/* model_internal.h: the model's private state, shared by its .c files.
 *
 * Layout of the model layer
 *   model.c      lifecycle, the replication loop, periodic ticks, outcomes
 *   calendar.c   working-day calendar (weekends and bank holidays)
 *   demand.c     referrals (non-homogeneous Poisson) and the front door
 *   casework.c   the case pathway, the waiting list, allocation
 *   protection.c visits, duty contacts, harm, risk drift and missed risk
 *   workforce.c  posts, workers, burnout, sickness, turnover, recruitment,
 *                supervision, inspection
 *   outcomes.c   outcome and series tables, cp_result
 *
 * Invariants (asserted where they can break)
 * - A case is in exactly one place: at the front door, waiting (on the
 *   list), allocated (in its worker's case array at index worker_slot), in a
 *   plan stage without a worker (also on the list), closed (in the closed
 *   FIFO, followed up for harm), or free. Its `status` says which.
 * - A case's visit event is pending only while it is allocated, its duty
 *   contact only while it waits with its risk unknown, its risk clock while
 *   it is known to the service (to the end of the follow-up after closure);
 *   a free case has no pending events.
 * - A worker's n_cases and points equal the count and weight of the cases
 *   that name it; never negative.
 * - Pools (cases, workers) only grow; freed entries go on free lists, so a
 *   long run keeps a flat footprint and no per-event allocation happens.
 */
#ifndef CPSIM_MODEL_INTERNAL_H
#define CPSIM_MODEL_INTERNAL_H

#include "cpsim/config.h"
#include "cpsim/kernel.h"
#include "cpsim/model.h"

#include <gsl/gsl_rng.h>
#include <stdbool.h>
#include <stdint.h>

#define YEAR_DAYS 365.0
#define WEEK_DAYS 7.0
/* The weekly tick runs at FIRST_WEEKLY_TICK + 7 n (Friday evening); the sums
 * are exact in binary floating point, so tick n's time is exact too. */
#define FIRST_WEEKLY_TICK 4.75
/* The daily tick (screening and allocation) runs at this time of each
 * working day: 17:00. */
#define DAILY_TICK_TIME 0.7

/* Event priorities: at equal times, bookkeeping runs before decisions so
 * that decisions see the state of the moment. Higher runs first. */
enum {
    PRIO_WARMUP = 100,
    PRIO_SERIES = 90,
    PRIO_WORKFORCE = 50,
    PRIO_CASE = 40,
    PRIO_ARRIVAL = 30,
    PRIO_DAILY = 20,
    PRIO_WEEKLY = 10
};

typedef enum risk_level { RISK_LOW = 0, RISK_MEDIUM = 1, RISK_HIGH = 2 } risk_level;

typedef enum case_status {
    CASE_FREE = 0,
    CASE_AT_DOOR,     /* referral waiting for duty screening */
    CASE_WAITING,     /* open, on the unallocated list */
    CASE_ALLOCATED,   /* open, held by a worker */
    CASE_CLOSED       /* closed, tracked for harm and re-referral */
} case_status;

typedef enum missed_cause {
    MISSED_NONE = 0,
    MISSED_UNALLOCATED,
    MISSED_UNRECOGNISED,
    MISSED_VISITS_OVERDUE,
    MISSED_CAUSES
} missed_cause;

/* A child's case. Its pending events (stage end, next visit, risk clock,
 * duty contact) are kernel events named by handle; each is cancelled when
 * the state it belongs to ends, so a handler finds the case as it left it. */
typedef struct cp_case {
    case_status status;
    uint8_t stage;        /* cp_stage_id while open */
    uint8_t true_risk;
    uint8_t known_risk;   /* the service's view */
    uint8_t last_missed;  /* missed_cause of the current missed-risk episode */
    bool work_stage;      /* assessment/s47 (progress needs a worker) vs plan */
    bool visits_overdue;  /* a due visit was not made; cleared by the next visit or stage */
    /* The next risk-clock candidate, or duty contact of this waiting spell,
     * was drawn and falls after the end of the run: none is to come, and
     * drawing again would give the child a second chance (protection.c). */
    bool risk_clock_past_end, contact_past_end;
    bool early_closed, wrong_closed, rereferral_pending, is_rereferral;
    int32_t worker;       /* -1 when none */
    int32_t worker_slot;  /* index in the worker's case array (next free id when free) */
    int32_t familiar_visits; /* visits by the current worker */
    int32_t worker_changes;
    uint32_t last_worker_serial; /* previous holder's serial (0: none), to count changes */
    double next_visit_due;
    double referral_time; /* start of this episode */
    double stage_start;
    double wait_start;    /* when it last joined the list */
    double work_total_wd; /* for a work stage: work it needs at normal pace */
    double work_done_wd;
    double work_started;  /* when the current worker started on it */
    double work_pace;     /* calendar days per working day of work */
    double plan_end;      /* for a plan stage: when the plan ends */
    double closed_time;
    double expires;       /* closed: when follow-up ends */
    cp_event_handle stage_event;   /* end of a work stage or a plan */
    cp_event_handle visit_event;   /* next visit attempt, while allocated */
    cp_event_handle risk_event;    /* next harm or drift candidate (protection.c) */
    cp_event_handle contact_event; /* next duty contact, while waiting with its risk unknown */
} cp_case;

typedef enum worker_type { WORKER_PERMANENT = 0, WORKER_NQSW, WORKER_AGENCY } worker_type;

typedef struct cp_worker {
    bool active;          /* in post (including notice) */
    bool on_notice;
    bool intends_to_leave;
    bool absent;          /* off sick */
    bool on_leave;        /* this week */
    uint8_t type;
    int32_t post;         /* post index */
    uint32_t serial;      /* unique in a replication (ids are reused, serials never; 0 is none) */
    double fte;
    double experience_at_start;
    double service_at_start; /* years with this employer at start_time (0 for a new hire) */
    double start_time;
    double burnout;
    double load;          /* needed / contracted hours, updated weekly */
    double overtime;      /* unpaid hours last week */
    double supervision;   /* share of needed supervision received last week */
    double absent_from, absent_until;
    bool over_cap_flag;
    int32_t n_cases;
    int32_t cases_capacity;
    int32_t *cases;       /* case ids */
    double points;
    double visit_share;        /* share of due visits made: min(1, hours available / needed) */
    double visit_share_points; /* the points it was worked out for (NAN: not yet) */
    cp_event_handle leave_event, return_event, convert_event;
    int32_t next_free;
} cp_worker;

/* A worker who can take cases in the current allocation round (casework.c). */
typedef struct candidate {
    int32_t id;
    bool experienced;     /* filled in only when a high-risk case is allocated */
    double cap_cases, cap_points;
    double room_cases, room_points; /* the most they may hold this round: caps x margin */
} candidate;

typedef struct cp_post {
    double fte;
    int32_t holder;       /* permanent or NQSW worker, -1 when vacant */
    int32_t agency;       /* agency worker covering, -1 when none */
    bool agency_wanted;   /* this vacancy is to be covered by agency */
    double vacant_since;
    cp_event_handle campaign, agency_request;
} cp_post;

/* A FIFO of case ids with lazy removal: entries whose case no longer
 * waits (or waits since a later time) are skipped when they reach the
 * front. */
typedef struct id_queue {
    int32_t *ids;
    double *stamps;      /* the case's wait_start when queued: a mismatch means stale */
    size_t head, tail, capacity; /* ring buffer, tail - head entries */
} id_queue;

/* A histogram of non-negative values for percentiles with bounded memory.
 * Bins at and above `used` are all zero, so clearing and reading stop there. */
typedef struct histogram {
    double bin_width;
    size_t bins, used;
    uint64_t *counts;
    uint64_t total;
} histogram;

/* Accumulators over the post-warm-up period. */
typedef struct stats {
    double unalloc_area, high_unalloc_area, unalloc_max;
    double wait_sum; uint64_t wait_n; histogram wait_hist;
    double harm, harm_unprotected, harm_by_cause[MISSED_CAUSES];
    double missed[MISSED_CAUSES];
    double caseload_sum_weeks; uint64_t caseload_weeks;
    histogram caseload_hist; uint64_t over_cap_samples, caseload_samples;
    double inexperienced;
    double burnout_sum, burnout50, burnout75; uint64_t burnout_n;
    double overtime_sum; uint64_t overtime_n;
    double leavers_fte, leavers_to_agency;
    double permanent_fte_area, vacant_fte_area, agency_fte_area;
    double sick_wd, available_wd;
    double changes_sum, changes2; uint64_t closed_n;
    uint64_t assess_n, assess_in45, icpc_n, icpc_in15;
    uint64_t referrals, rereferrals, assessments, s47s, icpcs, cp_plans, proceedings;
    uint64_t screened_out_high;
    double cost, agency_premium;
    /* per series interval */
    double iv_unalloc_area, iv_high_area, iv_referrals, iv_leavers, iv_harm, iv_missed;
} stats;

typedef struct cp_model {
    cp_config cfg;
    cp_kernel *kernel;
    gsl_rng *rng[CP_STREAM_COUNT];
    cp_observer_fn observer;
    void *observer_ctx;
    const volatile sig_atomic_t *interrupt; /* may be NULL */

    /* calendar */
    int32_t calendar_days;
    int calendar_holidays;       /* bank holidays the tables were built for (-1: none yet) */
    double *working_days_before; /* cumulative working days before day d */
    uint8_t *is_working;
    int32_t *working_day;        /* working_day[k]: the day of working day k (0-based) */
    int32_t working_day_count;

    double warmup_end, end_time;
    bool measuring;
    /* lognormal stage durations: log-mean and log-sd, set at model_begin */
    double stage_log_mu[CP_STAGE_COUNT], stage_log_sigma[CP_STAGE_COUNT];

    /* cases */
    cp_case *cases;
    int32_t case_count, case_capacity, case_free;
    id_queue waiting[3];        /* by known risk */
    int32_t n_waiting, n_high_waiting; /* high = true risk high */
    int32_t *at_door; int32_t n_at_door, at_door_capacity;
    id_queue closed;            /* closed cases in order of closing */
    bool settle_later;          /* screening: missed-risk episodes wait for the day's allocation */

    /* workforce */
    uint32_t worker_serial; /* the last serial given, reset each replication */
    cp_worker *workers;
    int32_t worker_count, worker_capacity, worker_free;
    candidate *cand;            /* allocation scratch, worker_capacity entries */
    cp_post *posts;
    int32_t post_count;
    double establishment;
    double agency_fte, permanent_fte, vacant_fte;
    double cost_rate;           /* GBP a day for the staff in post now */
    double agency_premium_rate; /* GBP a day above permanent cost */
    int32_t n_absent;

    /* rates and state of the moment */
    double last_area_time;      /* for time integrals */
    bool inadequate;
    double inadequate_until;
    double escalations_week;
    double hours_supervision_share;
    int32_t series_row;
    double series_last;

    /* inspection window */
    double insp_unalloc_area, insp_start;
    uint64_t insp_assess_n, insp_assess_in45;
    double insp_leavers;

    stats st;
    cp_result *result;
} cp_model;

/* calendar.c */
cp_status calendar_build(cp_model *m, cp_error *err);
double calendar_working_days_at(const cp_model *m, double t);
double calendar_add_working_days(const cp_model *m, double t, double wd);
bool calendar_is_working_day(const cp_model *m, double t);
int calendar_month(double t);
double calendar_working_days_per_year(const cp_model *m);

/* demand.c */
void demand_start(cp_model *m);
/* Screens the referrals at the door; demand_screen_settle, after the day's
 * allocation, counts the missed-risk episodes of those left waiting and
 * empties the door. */
void demand_screen_batch(cp_model *m);
void demand_screen_settle(cp_model *m);
double demand_arrival_rate(const cp_model *m, double t);
/* Risk aversion on the day of t: the base, times every shock whose window
 * holds that day, times the inadequate rating's factor while it lasts. */
double demand_risk_aversion(const cp_model *m, double t);
void demand_refer(cp_model *m, int32_t case_id, bool rereferral);

/* casework.c */
int32_t case_alloc(cp_model *m);
void case_free(cp_model *m, int32_t id);
void case_open_stage(cp_model *m, int32_t id, cp_stage_id stage);
void case_close(cp_model *m, int32_t id, bool wrong, bool early);
void case_enqueue(cp_model *m, int32_t id);
void case_unassign(cp_model *m, int32_t id);
void allocation_run(cp_model *m);
void casework_begin(cp_model *m);
void casework_expire_closed(cp_model *m);
bool waiting_pressure(const cp_model *m);
double worker_quality(const cp_model *m, const cp_worker *w, const cp_case *c);
void risk_recognised(cp_model *m, int32_t id);
void waiting_recognise(cp_model *m, int32_t id);
void area_update(cp_model *m);

/* protection.c: what keeps a child safe or fails to, as events: visits,
 * duty contacts, the harm and risk-drift clock, missed-risk episodes. The
 * pathway (casework.c) calls these hooks at each change of a case's state. */
void protection_case_freed(cp_model *m, int32_t id);    /* cancels its events */
void protection_case_waiting(cp_model *m, int32_t id);  /* joined the list */
void protection_case_assigned(cp_model *m, int32_t id); /* a worker took it */
void protection_stage_opened(cp_model *m, int32_t id);  /* a new stage: visits due afresh */
void protection_case_closed(cp_model *m, int32_t id);
void protection_case_referred(cp_model *m, int32_t id); /* at the front door */
/* Counts a missed-risk episode if a high-risk child has just been left
 * without the protection it needs, for a new cause. */
void protection_settle(cp_model *m, int32_t id);

/* workforce.c */
cp_status workforce_start(cp_model *m, cp_error *err);
void workforce_weekly(cp_model *m);
void workforce_release_cases(cp_model *m, int32_t worker_id);
/* A worker leaves now: their cases go back on the list, their post opens. */
void worker_depart(cp_model *m, int32_t worker_id);
/* A permanent (or newly qualified) worker starts in a vacant post now. */
void permanent_starts(cp_model *m, int32_t post, int type, double experience);
double worker_case_cap(const cp_model *m, const cp_worker *w);
double worker_points_cap(const cp_model *m, const cp_worker *w);
double worker_needed_hours(const cp_model *m, const cp_worker *w);
bool worker_can_take(const cp_model *m, const cp_worker *w);
const char *worker_type_name(int type);
double worker_experience(const cp_model *m, const cp_worker *w);
void inspection_run(cp_model *m);

/* model.c: cp_model_run is model_begin, the kernel run to end_time, then
 * model_finish; tests call the parts to drive a replication by hand. */
cp_status model_begin(cp_model *m, uint64_t seed, uint64_t replication, cp_result *result,
                      cp_error *err);
void model_finish(cp_model *m);
void model_tell(cp_model *m, cp_story_kind kind, const cp_worker *w, int32_t worker_id,
                double value, const char *detail);
void histogram_add(histogram *h, double x);
/* Makes room for one more item in a growable array of `size`-byte items
 * holding `count` of `*capacity`: doubles it (to `first` when empty) when
 * full. Returns the array, which may have moved. Out of memory asserts: the
 * up-front memory check (cp_model_memory_estimate) makes it a bug, not an
 * input. */
void *model_reserve(void *items, int32_t count, int32_t *capacity, int32_t first, size_t size);

/* True once the run's interrupt flag (cp_model_set_interrupt) is up: the
 * replication is being abandoned, so long loops may return early. */
static inline bool model_interrupted(const cp_model *m) {
    return m->interrupt && *m->interrupt;
}

static inline gsl_rng *rng(cp_model *m, cp_stream_id s) {
    return m->rng[s];
}

#endif
