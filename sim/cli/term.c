/* term.c: interrupt flag, progress bar, tables and option parsing for the
 * cli (contract in term.h).
 *
 * The progress bar is drawn from whichever worker thread finished a
 * replication; the experiment calls it under its pool lock, so draws never
 * interleave. It goes to stderr only when stderr is a terminal, so logs and
 * pipes never fill with carriage returns.
 */
#include "term.h"

#include "cpsim/experiment.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

volatile sig_atomic_t cli_interrupted = 0;

static void on_signal(int sig) {
    (void)sig;
    cli_interrupted = 1;
}

void cli_install_signal_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* SA_RESETHAND: the second signal takes the default action (terminate),
     * for a user who really means it. No SA_RESTART is needed: the main
     * thread is in pthread_join or computing, neither of which returns EINTR. */
    sa.sa_flags = (int)SA_RESETHAND; /* sa_flags is an int; the flag is bit 31 */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- progress -------------------------------------------------------------- */

void cli_progress_init(cli_progress *p, bool quiet, const char *label) {
    memset(p, 0, sizeof *p);
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->start = cp_monotonic_seconds();
    p->label = label;
}

static void format_duration(double s, char *buf, size_t size) {
    if (!isfinite(s) || s < 0)
        s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

void cli_progress_update(void *ctx, size_t done, size_t target) {
    cli_progress *p = ctx;
    if (!p->enabled || target == 0)
        return;
    double now = cp_monotonic_seconds();
    double elapsed = now - p->start;
    if (elapsed < 1.0 || (now - p->last_draw < 0.1 && done < target))
        return;
    p->last_draw = now;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    size_t filled = done >= target ? WIDTH : (size_t)((double)done / (double)target * WIDTH);
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    double rate = done > 0 ? (double)done / elapsed : 0;
    char eta[32], spent[32];
    format_duration(rate > 0 ? (double)(target - done) / rate : 0, eta, sizeof eta);
    format_duration(elapsed, spent, sizeof spent);
    fprintf(stderr, "\r%s [%s] %zu/%zu  %.1f/s  elapsed %s  ETA %s \033[K",
            p->label ? p->label : "", bar, done, target, rate, spent, eta);
    fflush(stderr);
    p->drawn = true;
}

void cli_progress_finish(cli_progress *p) {
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = false;
    }
}

/* ---- tables ------------------------------------------------------------------- */

void cli_table_init(cli_table *t, size_t cols) {
    CP_ASSERT(cols >= 1 && cols <= CLI_TABLE_COLS);
    memset(t, 0, sizeof *t);
    t->cols = cols;
}

void cli_table_fini(cli_table *t) {
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void cli_table_row(cli_table *t, const char *const *cells) {
    if (t->failed)
        return;
    if (t->rows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        void *grown = realloc(t->cells, cap * t->cols * sizeof *t->cells);
        if (!grown) {
            t->failed = true;
            return;
        }
        t->cells = grown;
        t->cap = cap;
    }
    for (size_t c = 0; c < t->cols; c++) {
        char *cell = t->cells[t->rows * t->cols + c];
        snprintf(cell, CLI_CELL_MAX, "%s", cells[c] ? cells[c] : "");
    }
    t->rows++;
}

void cli_table_print(const cli_table *t, FILE *to) {
    size_t width[CLI_TABLE_COLS] = {0};
    bool left[CLI_TABLE_COLS] = {false};
    for (size_t c = 0; c < t->cols; c++) {
        left[c] = c == 0 || (t->rows > 0 && t->cells[c][0] == '<');
        for (size_t r = 0; r < t->rows; r++) {
            const char *cell = t->cells[r * t->cols + c];
            if (r == 0 && cell[0] == '<')
                cell++;
            size_t n = strlen(cell);
            if (n > width[c])
                width[c] = n;
        }
    }
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++) {
            const char *cell = t->cells[r * t->cols + c];
            if (r == 0 && cell[0] == '<')
                cell++;
            const char *sep = c + 1 < t->cols ? "  " : "";
            if (left[c] && c + 1 == t->cols)
                fprintf(to, "%s", cell); /* no trailing spaces */
            else if (left[c])
                fprintf(to, "%-*s%s", (int)width[c], cell, sep);
            else
                fprintf(to, "%*s%s", (int)width[c], cell, sep);
        }
        fputc('\n', to);
        if (r == 0) {
            size_t total = 0;
            for (size_t c = 0; c < t->cols; c++)
                total += width[c] + (c + 1 < t->cols ? 2 : 0);
            for (size_t i = 0; i < total; i++)
                fputc('-', to);
            fputc('\n', to);
        }
    }
    if (t->failed)
        fprintf(to, "(table truncated: out of memory)\n");
}

/* ---- formatting and parsing --------------------------------------------------- */

const char *const cli_main_outcomes[] = {"unallocated_mean",
                                         "unallocated_max",
                                         "wait_to_allocation_mean_days",
                                         "wait_to_allocation_p90_days",
                                         "high_risk_unallocated_days",
                                         "harm_events",
                                         "missed_risk_events",
                                         "caseload_mean",
                                         "caseload_p90",
                                         "over_cap_share",
                                         "burnout_mean",
                                         "turnover_rate",
                                         "vacancy_rate",
                                         "agency_rate",
                                         "sickness_rate",
                                         "worker_changes_mean",
                                         "assess_within_45wd",
                                         "icpc_within_15wd",
                                         "rereferral_rate",
                                         "cost_total",
                                         "agency_cost",
                                         "referrals",
                                         NULL};

void cli_format_value(double x, char *buf, size_t size) {
    double a = fabs(x);
    if (isnan(x))
        snprintf(buf, size, "NA");
    else if (isinf(x))
        snprintf(buf, size, x > 0 ? "Inf" : "-Inf");
    else if (a >= 1e4)
        snprintf(buf, size, "%.0f", x);
    else if (a >= 100)
        snprintf(buf, size, "%.1f", x);
    else if (a >= 10)
        snprintf(buf, size, "%.2f", x);
    else if (a >= 1)
        snprintf(buf, size, "%.3f", x);
    else if (a >= 1e-3 || a == 0)
        snprintf(buf, size, "%.4f", x);
    else
        snprintf(buf, size, "%.3g", x);
}

bool cli_parse_u64(const char *s, uint64_t *out) {
    if (!s || *s < '0' || *s > '9')
        return false; /* rejects "", "-1", "+1", " 1" */
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16; /* seeds are often written in hex, as the scenario file allows */
        s += 2;
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, base);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

bool cli_parse_size(const char *s, size_t min, size_t max, size_t *out) {
    uint64_t v;
    if (!cli_parse_u64(s, &v) || v < min || v > max)
        return false;
    *out = (size_t)v;
    return true;
}

bool cli_parse_real(const char *s, double min, double max, double *out) {
    if (!s || !*s)
        return false;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || end == s || !isfinite(v) || v < min || v > max)
        return false;
    *out = v;
    return true;
}

void cli_scenario_basename(const char *path, char *buf, size_t size) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(buf, size, "%s", base);
    size_t n = strlen(buf);
    if (n > 4 && strcmp(buf + n - 4, ".ini") == 0)
        buf[n - 4] = '\0';
    if (!buf[0])
        snprintf(buf, size, "scenario");
}

int cli_report_error(const char *command, const cp_error *err) {
    fprintf(stderr, "cpsim %s: %s\n", command, err->message[0] ? err->message : "failed");
    return cp_status_exit_code(err->status);
}

int cli_usage_error(const char *command, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cpsim %s: ", command);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(try `cpsim %s --help`)\n", command);
    return 2;
}

int cli_report_diagnostics(const char *command, const cp_diagnostics *diags, cp_status st,
                           const char *file) {
    char line[1200];
    for (size_t i = 0; i < diags->count; i++) {
        cp_diagnostic_format(&diags->items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    if (diags->count == 0)
        fprintf(stderr, "cpsim %s: cannot load %s\n", command, file ? file : "the scenario");
    return cp_status_exit_code(st);
}

int cli_default_out_dir(const char *command, const char *name, char *buf, size_t size) {
    if (mkdir("out", 0777) != 0) {
        struct stat sb;
        if (stat("out", &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            fprintf(stderr,
                    "cpsim %s: cannot create the directory out/ for the results; "
                    "give --out DIR\n",
                    command);
            return 1;
        }
    }
    snprintf(buf, size, "out/%s", name);
    return -1;
}

const char **cli_command_line(int argc, char **argv) {
    const char **line = calloc((size_t)argc + 2, sizeof *line);
    if (!line)
        return NULL;
    line[0] = "cpsim";
    for (int i = 0; i < argc; i++)
        line[i + 1] = argv[i];
    return line;
}
