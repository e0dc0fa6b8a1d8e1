/* live.c: `cpsim live FILE`: one run drawn in the terminal as it happens
 * (contract in live.h).
 *
 * Drawing: four column charts, one text row of eighth-blocks per level, so
 * a 6-row chart resolves 48 levels; each column is one series interval
 * (a week by default) and the charts scroll when the run is wider than the
 * terminal. We redraw the whole frame from the cursor's home position
 * rather than diffing: a frame is a few KB, a terminal swallows that in
 * well under a millisecond, and a full redraw cannot leave stale cells.
 *
 * The observer draws from inside the model's run, which is allowed (it
 * only must not call back into the model); the pause between frames is
 * what makes a three-year run last a few seconds on screen. Ctrl-C sets
 * the interrupt flag, and the observer stops pausing, so the run finishes
 * at once and the final frame is shown.
 *
 * `cpsim run --live` draws the same four charts from the other end: not one
 * run's observer but every finished replication's time series, handed over
 * by the experiment's on_replication callback. The charts show the mean
 * across the replications finished so far, so the picture settles as the
 * run goes; the lines underneath are the latest replications. Worker
 * threads call in at the same time, so a mutex guards the view; the
 * drawing reads only the view, never the experiment, and so cannot change
 * a byte of what the run writes. Frames are drawn at most 20 times a second
 * and the run is never paused for them.
 */
#include "live.h"

#include "cli.h"
#include "options.h"
#include "term.h"

#include "cpsim/experiment.h"
#include "cpsim/model.h"
#include "cpsim/scenario.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define CHART_ROWS 5
#define EVENT_LINES 5
#define EVENT_TEXT 120
#define DEFAULT_DELAY_MS 40
#define RUN_FRAME_SECONDS 0.05

enum { CH_WAITING, CH_CASELOAD, CH_BURNOUT, CH_STAFF, CHARTS };

typedef struct live {
    FILE *to;
    bool tty;
    int delay_ms;
    int width;     /* columns of chart */
    double origin; /* warm-up end, days */
    double cap;
    double posts;
    size_t rows; /* series rows seen */
    size_t capacity;
    double *values[CHARTS];
    double agency_last;
    char events[EVENT_LINES][EVENT_TEXT];
    size_t event_count; /* total ever, the ring holds the last EVENT_LINES */
    const char *events_title;
    char footer[EVENT_TEXT]; /* the last line; "" for the week count */
    bool failed;
} live;

static const char *const titles[CHARTS] = {
    "Cases waiting for a social worker", "Cases per social worker (FTE)",
    "Burnout, team average (0-100)", "Staff in post (FTE, permanent + agency)"};

static int terminal_width(FILE *to) {
    struct winsize ws;
    if (ioctl(fileno(to), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 80;
}

static void add_line(live *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a line to the ring of latest events. */
static void add_line(live *l, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->events[l->event_count % EVENT_LINES], EVENT_TEXT, fmt, ap);
    va_end(ap);
    l->event_count++;
}

static void add_event(live *l, double t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_event(live *l, double t, const char *fmt, ...) {
    char text[EVENT_TEXT];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    add_line(l, "week %3d  %s", (int)floor((t - l->origin) / 7.0) + 1, text);
}

/* One chart: a title with the latest value and the scale, then CHART_ROWS
 * rows of blocks, the newest column at the right. */
static void draw_chart(const live *l, int k, const char *colour) {
    static const char *const eighths[9] = {" ",      "\u2581", "\u2582", "\u2583", "\u2584",
                                           "\u2585", "\u2586", "\u2587", "\u2588"};
    const double *v = l->values[k];
    size_t shown = l->rows < (size_t)l->width ? l->rows : (size_t)l->width;
    size_t first = l->rows - shown;
    double top = k == CH_BURNOUT    ? 100.0
                 : k == CH_STAFF    ? l->posts
                 : k == CH_CASELOAD ? l->cap
                                    : 0.0;
    for (size_t i = first; i < l->rows; i++)
        top = v[i] > top ? v[i] : top;
    if (!(top > 0.0))
        top = 1.0;
    double last = l->rows ? v[l->rows - 1] : 0.0;
    fprintf(l->to, "%s%s: %.1f%s (scale 0 to %.0f)%s\n", l->tty ? "\033[1m" : "", titles[k], last,
            k == CH_STAFF && l->agency_last > 0.0 ? " incl. agency" : "", ceil(top),
            l->tty ? "\033[0m\033[K" : "");
    for (int row = CHART_ROWS - 1; row >= 0; row--) {
        if (l->tty)
            fputs(colour, l->to);
        for (size_t i = first; i < l->rows; i++) {
            double eighths_total = v[i] / top * CHART_ROWS * 8.0;
            int in_row = (int)lround(eighths_total) - row * 8;
            in_row = in_row < 0 ? 0 : in_row > 8 ? 8 : in_row;
            fputs(eighths[in_row], l->to);
        }
        fputs(l->tty ? "\033[0m\033[K\n" : "\n", l->to);
    }
}

static void draw(live *l) {
    if (l->tty)
        fputs("\033[H", l->to);
    static const char *const colours[CHARTS] = {"\033[38;5;166m", "\033[38;5;25m", "\033[38;5;125m",
                                                "\033[38;5;29m"};
    for (int k = 0; k < CHARTS; k++)
        draw_chart(l, k, colours[k]);
    fprintf(l->to, "%s%s%s\n", l->tty ? "\033[1m" : "", l->events_title,
            l->tty ? "\033[0m\033[K" : "");
    size_t n = l->event_count < EVENT_LINES ? l->event_count : EVENT_LINES;
    for (size_t i = 0; i < EVENT_LINES; i++) {
        if (i < n) {
            size_t idx = (l->event_count - n + i) % EVENT_LINES;
            fprintf(l->to, "  %s", l->events[idx]);
        }
        fputs(l->tty ? "\033[K\n" : "\n", l->to);
    }
    if (l->footer[0])
        fprintf(l->to, "%s%s\n", l->footer, l->tty ? "\033[K" : "");
    else
        fprintf(l->to, "week %zu of the run after the warm-up%s\n", l->rows,
                l->tty ? "\033[K" : "");
    fflush(l->to);
}

static bool grow(live *l) {
    if (l->rows < l->capacity)
        return true;
    size_t cap = l->capacity ? 2 * l->capacity : 256;
    for (int k = 0; k < CHARTS; k++) {
        double *g = realloc(l->values[k], cap * sizeof *g);
        if (!g)
            return false;
        l->values[k] = g;
    }
    l->capacity = cap;
    return true;
}

static void observe(void *ctx, const cp_story_event *ev) {
    live *l = ctx;
    if (l->failed)
        return;
    switch (ev->kind) {
    case CP_STORY_TICK:
        if (!ev->row || !grow(l)) {
            l->failed = !ev->row ? l->failed : true;
            return;
        }
        l->values[CH_WAITING][l->rows] = ev->row[CP_SERIES_UNALLOCATED];
        l->values[CH_CASELOAD][l->rows] = ev->row[CP_SERIES_CASELOAD_MEAN];
        l->values[CH_BURNOUT][l->rows] = ev->row[CP_SERIES_BURNOUT_MEAN];
        l->values[CH_STAFF][l->rows] =
            ev->row[CP_SERIES_PERMANENT_FTE] + ev->row[CP_SERIES_AGENCY_FTE];
        l->agency_last = ev->row[CP_SERIES_AGENCY_FTE];
        l->rows++;
        if (l->tty && !cli_interrupted) {
            draw(l);
            struct timespec nap = {l->delay_ms / 1000, (long)(l->delay_ms % 1000) * 1000000L};
            nanosleep(&nap, NULL);
        }
        return;
    default:
        break;
    }
    if (ev->time_days < l->origin)
        return; /* the warm-up is not drawn */
    switch (ev->kind) {
    case CP_STORY_JOINED:
        add_event(l, ev->time_days, "a %s worker joined", ev->detail ? ev->detail : "new");
        break;
    case CP_STORY_LEFT:
        add_event(l, ev->time_days, "a %s worker left; %.0f cases back on the list",
                  ev->worker_type ? ev->worker_type : "", ev->value);
        break;
    case CP_STORY_RESIGNED:
        add_event(l, ev->time_days, "a %s worker handed in notice (burnout %.0f)",
                  ev->worker_type ? ev->worker_type : "", ev->burnout);
        break;
    case CP_STORY_SICK:
        add_event(l, ev->time_days, "a worker went off sick (%s, burnout %.0f)",
                  ev->detail ? ev->detail : "", ev->burnout);
        break;
    case CP_STORY_HIGH_RISK_WAITING:
        add_event(l, ev->time_days, "a high-risk case waited %.0f days for a worker", ev->value);
        break;
    case CP_STORY_HARM:
        add_event(l, ev->time_days, "a child came to serious harm (%s)",
                  ev->detail ? ev->detail : "");
        break;
    case CP_STORY_SHOCK:
        add_event(l, ev->time_days, "shock \"%s\": referrals x%.2f", ev->detail ? ev->detail : "",
                  ev->value);
        break;
    case CP_STORY_INSPECTION:
        add_event(l, ev->time_days, "inspection: %s", ev->detail ? ev->detail : "");
        break;
    default:
        break;
    }
}

static void live_init(live *l, const cp_config *cfg, FILE *to) {
    memset(l, 0, sizeof *l);
    l->to = to;
    l->tty = isatty(fileno(to)) != 0;
    l->width = terminal_width(to) - 1;
    l->origin = cfg->warmup_years * 365.0;
    l->cap = cfg->caseload_target > 0.0 ? cfg->caseload_target : cfg->cap_cases;
    l->posts = cfg->social_workers;
    l->events_title = "Latest events";
}

static void live_fini(live *l) {
    for (int k = 0; k < CHARTS; k++)
        free(l->values[k]);
    memset(l, 0, sizeof *l);
}

cp_status cli_live_show(const cp_config *cfg, uint64_t seed, uint64_t replication, FILE *to,
                        int delay_ms, cp_error *err) {
    live l;
    live_init(&l, cfg, to);
    l.delay_ms = delay_ms < 0 ? 0 : delay_ms;
    cp_result result;
    cp_status st = cp_result_init(&result, cfg, err);
    if (st != CP_OK)
        return st;
    cp_model *model = cp_model_create(cfg, err);
    if (!model) {
        cp_result_fini(&result);
        return err ? err->status : CP_ENOMEM;
    }
    cp_model_set_observer(model, observe, &l);
    if (l.tty)
        fputs("\033[?25l\033[H\033[2J", to); /* hide the cursor, clear */
    st = cp_model_run(model, seed, replication, &result, err);
    if (st == CP_OK && l.failed)
        st = cp_error_set(err, CP_ENOMEM, "out of memory drawing the run");
    if (st == CP_OK)
        draw(&l);
    if (l.tty)
        fputs("\033[?25h", to);
    fflush(to);
    cp_model_destroy(model);
    cp_result_fini(&result);
    live_fini(&l);
    return st;
}

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim live FILE [options]\n"
            "\n"
            "Draws one run in the terminal as it happens: the waiting list, caseloads,\n"
            "burnout and staff in post, week by week, with the latest events. When the\n"
            "output is not a terminal, prints the final picture once.\n"
            "\n"
            "options:\n"
            "  --seed S              master seed (default: simulation.seed)\n"
            "  --replication R       which run (default 0)\n"
            "  --delay-ms D          pause per week on screen (default %d)\n"
            "  --set section.key=V   override a scenario key (repeatable)\n"
            "  --help                this text\n",
            DEFAULT_DELAY_MS);
}

static int on_own(void *ctx, int id, const char *value) {
    (void)id; /* --delay-ms is the only one */
    if (!cli_parse_size(value, 0, 10000, ctx))
        return cli_usage_error("live", "--delay-ms needs 0 to 10000, not \"%s\"", value);
    return -1;
}

int cli_live(int argc, char **argv) {
    static const cli_own_option own[] = {{"delay-ms", true, CLI_OPT_OWN}, {NULL, false, 0}};
    size_t delay = DEFAULT_DELAY_MS;
    cli_one_run run;
    int code = cli_one_run_load("live", usage, own, on_own, &delay, argc, argv, &run);
    if (code >= 0)
        return code;
    cp_error err;
    cp_error_clear(&err);
    cli_install_signal_handlers();
    cp_status st = cli_live_show(&run.cfg, run.cfg.seed, run.replication, stdout, (int)delay, &err);
    if (st != CP_OK)
        return cli_report_error("live", &err);
    return 0;
}

/* ---- the view of a whole run (`cpsim run --live`) ------------------------------- */

struct cli_live_run {
    pthread_mutex_t lock; /* guards everything below */
    live view;
    size_t series_rows;
    double *sums[CHARTS]; /* [row]: sums over the replications recorded */
    size_t done;
    size_t planned;
    bool precision; /* planned is a cap, not a promise */
    double last_draw;
};

cli_live_run *cli_live_run_create(const cp_config *cfg, size_t planned, bool precision, FILE *to,
                                  cp_error *err) {
    cli_live_run *lr = calloc(1, sizeof *lr);
    if (!lr) {
        cp_error_set(err, CP_ENOMEM, "out of memory for the live view");
        return NULL;
    }
    pthread_mutex_init(&lr->lock, NULL);
    live_init(&lr->view, cfg, to);
    lr->view.events_title = "Latest replications";
    lr->series_rows = cp_series_rows(cfg);
    lr->planned = planned;
    lr->precision = precision;
    lr->last_draw = -1.0;
    /* One column per series row, or per group of rows when the run is wider
     * than the terminal, so the whole run is always in view. */
    lr->view.capacity = lr->series_rows ? lr->series_rows : 1;
    bool ok = true;
    for (int k = 0; k < CHARTS; k++) {
        lr->sums[k] = calloc(lr->view.capacity, sizeof *lr->sums[k]);
        lr->view.values[k] = calloc(lr->view.capacity, sizeof *lr->view.values[k]);
        ok = ok && lr->sums[k] && lr->view.values[k];
    }
    if (!ok) {
        cli_live_run_destroy(lr);
        cp_error_set(err, CP_ENOMEM, "out of memory for the live view");
        return NULL;
    }
    if (lr->view.tty)
        fputs("\033[?25l\033[H\033[2J", to); /* hide the cursor, clear */
    return lr;
}

void cli_live_run_destroy(cli_live_run *lr) {
    if (!lr)
        return;
    for (int k = 0; k < CHARTS; k++)
        free(lr->sums[k]);
    pthread_mutex_destroy(&lr->lock);
    live_fini(&lr->view);
    free(lr);
}

/* Means over the replications so far into the view, grouped into at most
 * the terminal's width of columns. Under the lock. */
static void run_view_update(cli_live_run *lr) {
    live *l = &lr->view;
    size_t rows = lr->series_rows, width = (size_t)(l->width > 1 ? l->width : 1);
    size_t group = rows > width ? (rows + width - 1) / width : 1;
    size_t cols = rows ? (rows + group - 1) / group : 0;
    for (int k = 0; k < CHARTS; k++)
        for (size_t j = 0; j < cols; j++) {
            size_t from = j * group, to = from + group < rows ? from + group : rows;
            double sum = 0.0;
            for (size_t i = from; i < to; i++)
                sum += lr->sums[k][i];
            l->values[k][j] = sum / (double)(to - from) / (double)lr->done;
        }
    l->rows = cols;
    int n;
    if (lr->precision)
        n = snprintf(l->footer, sizeof l->footer,
                     "%zu replications done (precision stopping, at most %zu); ", lr->done,
                     lr->planned);
    else
        n = snprintf(l->footer, sizeof l->footer, "%zu of %zu replications done; ", lr->done,
                     lr->planned);
    if (n > 0 && (size_t)n < sizeof l->footer)
        snprintf(l->footer + n, sizeof l->footer - (size_t)n,
                 "the mean across them, %zu week%s a column", group, group == 1 ? "" : "s");
}

void cli_live_run_record(void *ctx, size_t replication, const cp_result *result) {
    cli_live_run *lr = ctx;
    pthread_mutex_lock(&lr->lock);
    size_t rows = result->series_rows < lr->series_rows ? result->series_rows : lr->series_rows;
    for (size_t i = 0; i < rows; i++) {
        const double *row = &result->series[i * CP_SERIES_COUNT];
        lr->sums[CH_WAITING][i] += row[CP_SERIES_UNALLOCATED];
        lr->sums[CH_CASELOAD][i] += row[CP_SERIES_CASELOAD_MEAN];
        lr->sums[CH_BURNOUT][i] += row[CP_SERIES_BURNOUT_MEAN];
        lr->sums[CH_STAFF][i] += row[CP_SERIES_PERMANENT_FTE] + row[CP_SERIES_AGENCY_FTE];
    }
    if (rows > 0)
        lr->view.agency_last = result->series[(rows - 1) * CP_SERIES_COUNT + CP_SERIES_AGENCY_FTE];
    lr->done++;
    add_line(&lr->view,
             "run %4zu  %.1f cases waiting on average, %.0f missed risk a year, "
             "turnover %.0f%%",
             replication, result->outcome[CP_OUT_UNALLOCATED_MEAN],
             result->outcome[CP_OUT_MISSED_RISK], 100.0 * result->outcome[CP_OUT_TURNOVER_RATE]);
    double now = cp_monotonic_seconds();
    if (lr->view.tty && !cli_interrupted && now - lr->last_draw >= RUN_FRAME_SECONDS) {
        lr->last_draw = now;
        run_view_update(lr);
        draw(&lr->view);
    }
    pthread_mutex_unlock(&lr->lock);
}

void cli_live_run_finish(cli_live_run *lr) {
    pthread_mutex_lock(&lr->lock);
    if (lr->view.tty) {
        if (lr->done > 0 && !cli_interrupted) {
            run_view_update(lr);
            draw(&lr->view);
        }
        fputs("\033[?25h\n", lr->view.to); /* show the cursor again */
        fflush(lr->view.to);
    }
    pthread_mutex_unlock(&lr->lock);
}
