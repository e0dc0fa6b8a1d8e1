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
 */
#include "live.h"

#include "cli.h"
#include "term.h"

#include "cpsim/model.h"
#include "cpsim/scenario.h"

#include <getopt.h>
#include <inttypes.h>
#include <math.h>
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

static void add_event(live *l, double t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_event(live *l, double t, const char *fmt, ...) {
    char *line = l->events[l->event_count % EVENT_LINES];
    int week = (int)floor((t - l->origin) / 7.0) + 1;
    int n = snprintf(line, EVENT_TEXT, "week %3d  ", week);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && n < EVENT_TEXT)
        vsnprintf(line + n, (size_t)(EVENT_TEXT - n), fmt, ap);
    va_end(ap);
    l->event_count++;
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
    fprintf(l->to, "%sLatest events%s\n", l->tty ? "\033[1m" : "", l->tty ? "\033[0m\033[K" : "");
    size_t n = l->event_count < EVENT_LINES ? l->event_count : EVENT_LINES;
    for (size_t i = 0; i < EVENT_LINES; i++) {
        if (i < n) {
            size_t idx = (l->event_count - n + i) % EVENT_LINES;
            fprintf(l->to, "  %s", l->events[idx]);
        }
        fputs(l->tty ? "\033[K\n" : "\n", l->to);
    }
    fprintf(l->to, "week %zu of the run after the warm-up%s\n", l->rows, l->tty ? "\033[K" : "");
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

cp_status cli_live_show(const cp_config *cfg, uint64_t seed, uint64_t replication, FILE *to,
                        int delay_ms, cp_error *err) {
    live l;
    memset(&l, 0, sizeof l);
    l.to = to;
    l.tty = isatty(fileno(to)) != 0;
    l.delay_ms = delay_ms < 0 ? 0 : delay_ms;
    l.width = terminal_width(to) - 1;
    l.origin = cfg->warmup_years * 365.0;
    l.cap = cfg->caseload_target > 0.0 ? cfg->caseload_target : cfg->cap_cases;
    l.posts = cfg->social_workers;
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
    for (int k = 0; k < CHARTS; k++)
        free(l.values[k]);
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

int cli_live(int argc, char **argv) {
    enum { OPT_SEED = 1000, OPT_REPLICATION, OPT_DELAY, OPT_SET, OPT_HELP };
    static const struct option longopts[] = {
        {"seed", required_argument, NULL, OPT_SEED},
        {"replication", required_argument, NULL, OPT_REPLICATION},
        {"delay-ms", required_argument, NULL, OPT_DELAY},
        {"set", required_argument, NULL, OPT_SET},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) {
        fprintf(stderr, "cpsim live: out of memory\n");
        return 1;
    }
    size_t set_count = 0, delay = DEFAULT_DELAY_MS;
    uint64_t seed = 0, replication = 0;
    bool have_seed = false;
    int code = -1;
    optind = 1;
    opterr = 0;
    int c;
    while (code < 0 && (c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SEED:
            if (!cli_parse_u64(optarg, &seed))
                code = cli_usage_error("live", "--seed needs a whole number, not \"%s\"", optarg);
            have_seed = true;
            break;
        case OPT_REPLICATION:
            if (!cli_parse_u64(optarg, &replication))
                code = cli_usage_error("live", "--replication needs a whole number, not \"%s\"",
                                       optarg);
            break;
        case OPT_DELAY:
            if (!cli_parse_size(optarg, 0, 10000, &delay))
                code = cli_usage_error("live", "--delay-ms needs 0 to 10000, not \"%s\"", optarg);
            break;
        case OPT_SET:
            if (!strchr(optarg, '='))
                code = cli_usage_error("live", "--set needs section.key=value, not \"%s\"", optarg);
            else
                sets[set_count++] = optarg;
            break;
        case OPT_HELP:
            usage(stdout);
            code = 0;
            break;
        case ':':
            code = cli_usage_error("live", "%s needs a value", argv[optind - 1]);
            break;
        default:
            code = cli_usage_error("live", "unknown option \"%s\"", argv[optind - 1]);
            break;
        }
    }
    if (code < 0 && optind >= argc)
        code = cli_usage_error("live", "no scenario FILE given");
    if (code < 0 && argc - optind > 1)
        code = cli_usage_error("live", "one scenario FILE (extra: \"%s\")", argv[optind + 1]);
    if (code >= 0) {
        free(sets);
        return code;
    }
    const char *file = argv[optind];
    cp_config cfg;
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = cp_scenario_load(file, sets, set_count, &cfg, &diags);
    free(sets);
    if (st != CP_OK) {
        code = cli_report_diagnostics("live", &diags, st, file);
        cp_diagnostics_fini(&diags);
        return code;
    }
    cp_diagnostics_fini(&diags);
    cp_error err;
    cp_error_clear(&err);
    cli_install_signal_handlers();
    st = cli_live_show(&cfg, have_seed ? seed : cfg.seed, replication, stdout, (int)delay, &err);
    if (st != CP_OK)
        return cli_report_error("live", &err);
    return 0;
}
