/* cpsim/model.h: the child protection team model (one replication).
 *
 * Contract
 * - cp_model_create takes a validated cp_config (it keeps its own copy) and
 *   allocates everything one replication needs; cp_model_run may be called
 *   any number of times, each call an independent replication fixed entirely
 *   by (seed, replication): same inputs, same outputs, bit for bit. Memory is
 *   reused between runs and stays bounded by the team's size, not by the run
 *   length (no per-event records are kept).
 * - A model is used by one thread at a time; run many models for threads.
 * - Outcomes exclude the warm-up. Each outcome has a stable name (the
 *   `outcome` column of summary.csv), a unit and a description, listed by
 *   cp_outcome_info. Counts of events are per year after warm-up.
 * - The time series has one row per interval (config timeseries_interval_days)
 *   after warm-up, CP_SERIES_COUNT measures each.
 * - An observer, when set, is told of notable events in plain terms (the
 *   story of a run); it must not call back into the model.
 */
#ifndef CPSIM_MODEL_H
#define CPSIM_MODEL_H

#include "cpsim/config.h"
#include "cpsim/error.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cp_outcome_id {
    CP_OUT_UNALLOCATED_MEAN,
    CP_OUT_UNALLOCATED_MAX,
    CP_OUT_WAIT_MEAN_DAYS,
    CP_OUT_WAIT_P90_DAYS,
    CP_OUT_HIGH_RISK_UNALLOCATED_DAYS,
    CP_OUT_HARM_EVENTS,
    CP_OUT_HARM_UNPROTECTED,
    CP_OUT_HARM_UNALLOCATED,
    CP_OUT_HARM_UNRECOGNISED,
    CP_OUT_HARM_VISITS_OVERDUE,
    CP_OUT_MISSED_RISK,
    CP_OUT_MISSED_UNALLOCATED,
    CP_OUT_MISSED_UNRECOGNISED,
    CP_OUT_MISSED_VISITS_OVERDUE,
    CP_OUT_CASELOAD_MEAN,
    CP_OUT_CASELOAD_P90,
    CP_OUT_OVER_CAP_SHARE,
    CP_OUT_INEXPERIENCED_ALLOCATIONS,
    CP_OUT_BURNOUT_MEAN,
    CP_OUT_BURNOUT_OVER_50,
    CP_OUT_BURNOUT_OVER_75,
    CP_OUT_OVERTIME_HOURS,
    CP_OUT_TURNOVER_RATE,
    CP_OUT_VACANCY_RATE,
    CP_OUT_AGENCY_RATE,
    CP_OUT_SICKNESS_RATE,
    CP_OUT_WORKER_CHANGES_MEAN,
    CP_OUT_WORKER_CHANGES_2PLUS,
    CP_OUT_ASSESS_WITHIN_45WD,
    CP_OUT_ICPC_WITHIN_15WD,
    CP_OUT_REREFERRAL_RATE,
    CP_OUT_COST_TOTAL,
    CP_OUT_AGENCY_COST,
    CP_OUT_REFERRALS,
    CP_OUT_ASSESSMENTS,
    CP_OUT_S47S,
    CP_OUT_ICPCS,
    CP_OUT_CP_PLANS,
    CP_OUT_PROCEEDINGS,
    CP_OUT_SCREENED_OUT_HIGH,
    CP_OUT_LEAVERS_TO_AGENCY,
    CP_OUT_EVENTS,
    CP_OUTCOME_COUNT
} cp_outcome_id;

typedef struct cp_outcome_info {
    const char *name;        /* column/outcome name, e.g. "unallocated_mean" */
    const char *unit;        /* e.g. "cases", "fraction/year" */
    const char *description; /* one line */
} cp_outcome_info;

const cp_outcome_info *cp_outcome_info_get(cp_outcome_id id);
/* Finds an outcome by name; returns -1 if none. */
int cp_outcome_find(const char *name);

typedef enum cp_series_id {
    CP_SERIES_UNALLOCATED,     /* cases on the waiting list, time-average over the interval */
    CP_SERIES_HIGH_RISK_UNALLOCATED,
    CP_SERIES_CASELOAD_MEAN,   /* cases per FTE case holder, at the interval's end */
    CP_SERIES_CASELOAD_MAX,
    CP_SERIES_BURNOUT_MEAN,
    CP_SERIES_PERMANENT_FTE,   /* permanent and newly qualified staff in post */
    CP_SERIES_AGENCY_FTE,
    CP_SERIES_VACANCIES,       /* posts without a permanent holder */
    CP_SERIES_ABSENT,          /* workers off sick */
    CP_SERIES_REFERRALS,       /* in the interval */
    CP_SERIES_LEAVERS,         /* in the interval */
    CP_SERIES_HARM_EVENTS,     /* in the interval */
    CP_SERIES_MISSED_RISK,     /* in the interval */
    CP_SERIES_COUNT
} cp_series_id;

const cp_outcome_info *cp_series_info_get(cp_series_id id);

#define CP_RESULT_WORKERS_MAX 256

/* The results of one replication. series is row-major:
 * series[row * CP_SERIES_COUNT + measure], rows = series_rows. */
typedef struct cp_result {
    double outcome[CP_OUTCOME_COUNT];
    size_t series_rows;
    double *series;
    /* Burnout and caseload (cases per FTE) of the workers in post at the end
     * of the run, for distribution charts; the first CP_RESULT_WORKERS_MAX
     * workers only (a classroom team is far smaller). */
    size_t worker_count;
    double burnout_end[CP_RESULT_WORKERS_MAX];
    double caseload_end[CP_RESULT_WORKERS_MAX];
} cp_result;

/* Sizes result->series for cfg; returns CP_ENOMEM on failure. */
cp_status cp_result_init(cp_result *result, const cp_config *cfg, cp_error *err);
void cp_result_fini(cp_result *result);
/* Number of time-series rows a run of cfg produces. */
size_t cp_series_rows(const cp_config *cfg);

/* Plain-language events for the story of a run and the live view. */
typedef enum cp_story_kind {
    CP_STORY_JOINED,        /* a worker started (detail: type) */
    CP_STORY_RESIGNED,      /* a worker handed in notice */
    CP_STORY_LEFT,          /* a worker left; value = cases returned to the list */
    CP_STORY_OVER_CAP,      /* a worker went over cap; value = caseload */
    CP_STORY_HIGH_RISK_WAITING, /* a high-risk case waited unallocated; value = days */
    CP_STORY_SICK,          /* a worker went off sick; value = working days expected */
    CP_STORY_HARM,          /* a serious harm event; detail = cause */
    CP_STORY_MISSED,        /* missed risk; detail = cause */
    CP_STORY_INSPECTION,    /* detail = rating */
    CP_STORY_SHOCK,         /* a shock started; detail = name */
    CP_STORY_TICK           /* end of a series interval; series row in `row` */
} cp_story_kind;

typedef struct cp_story_event {
    cp_story_kind kind;
    double time_days;       /* since the start of the run, warm-up included */
    int worker;             /* worker id, or -1 */
    const char *worker_type; /* "permanent", "agency", "NQSW" or NULL */
    double experience_years;
    double burnout;
    double value;
    const char *detail;
    const double *row;      /* for CP_STORY_TICK: CP_SERIES_COUNT values */
} cp_story_event;

typedef void (*cp_observer_fn)(void *ctx, const cp_story_event *event);

typedef struct cp_model cp_model;

cp_model *cp_model_create(const cp_config *cfg, cp_error *err);
void cp_model_destroy(cp_model *model);
void cp_model_set_observer(cp_model *model, cp_observer_fn fn, void *ctx);

/* An upper estimate, in bytes, of what one model instance and one cp_result
 * for cfg will hold at their peak (team, cases open and followed up,
 * calendar, event queue, one time series). Used to refuse, up front, runs
 * that could not fit in memory (a billion workers, a 10,000-year horizon). */
double cp_model_memory_estimate(const cp_config *cfg);

/* An interrupt flag (set by a signal handler) that cp_model_run checks every
 * CP_MODEL_INTERRUPT_DAYS of simulated time, and the model every simulated
 * working day and every 256 allocations of a round, so a replication stops within
 * moments of Ctrl-C rather than at its end, even for a huge team. NULL:
 * never. Checking does not change results: the run is the same in chunks
 * as in one go. */
#define CP_MODEL_INTERRUPT_DAYS 28.0
void cp_model_set_interrupt(cp_model *model, const volatile sig_atomic_t *flag);

/* Runs one replication. result must have been initialised for the same cfg.
 * CP_EINTERRUPTED when the interrupt flag was seen set (result then holds
 * nothing usable). */
cp_status cp_model_run(cp_model *model, uint64_t seed, uint64_t replication, cp_result *result,
                       cp_error *err);

/* Random stream ids: one per purpose (shared/STYLE.md habit 9). */
typedef enum cp_stream_id {
    CP_STREAM_ARRIVALS = 1,
    CP_STREAM_RISK,
    CP_STREAM_TRIAGE,
    CP_STREAM_DURATIONS,
    CP_STREAM_JUDGEMENT,
    CP_STREAM_BURNOUT,
    CP_STREAM_SICKNESS,
    CP_STREAM_TURNOVER,
    CP_STREAM_RECRUITMENT,
    CP_STREAM_HARM,
    CP_STREAM_REREFERRAL,
    CP_STREAM_INSPECTION,
    CP_STREAM_TEAM,
    CP_STREAM_COUNT
} cp_stream_id;

#endif
