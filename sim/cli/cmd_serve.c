/* cmd_serve.c: `cpsim serve FILE [--port P] [--bind ADDR]`: a live page for
 * the classroom. Sliders for the main levers; every move reruns the Monte
 * Carlo (default 50 replications of the scenario's years) and redraws.
 *
 * Safety, by design rather than by filtering:
 * - Only loopback (127.0.0.1) unless --bind says otherwise.
 * - No filesystem access: the page's assets are C strings (serve_page.c)
 *   looked up by exact path, so there is no path to traverse; anything else
 *   is a 404.
 * - The API accepts only a whitelist of keys (the levers, and reps); each
 *   value must parse strictly, lie within the lever's range (which also
 *   bounds the cost of a run), and then passes the scenario file's own
 *   validation: the server builds "section.key=value" and calls
 *   cp_scenario_apply on a copy of the loaded config.
 * - Every malformed request gets a 4xx with a JSON error: a URI over
 *   MAX_URI bytes (414; MHD itself answers 414 past its 32 KB buffer), more
 *   than MAX_PARAMS parameters, a repeated or unknown key, a value that is
 *   too long, not a number, or out of range (400), a method other than GET
 *   or HEAD (405).
 * - Bounded concurrency: MHD runs a pool of POOL_THREADS threads with a
 *   connection limit and timeout, and one mutex lets one simulation run at a
 *   time (it uses every runner thread itself); --max-reps caps a request.
 *
 * The reference run (the scenario file as loaded) is cached for the
 * replication count last asked for, so a slider move costs one run, and
 * moving back to the file's settings costs none. Runs use the scenario's
 * seed for both, so differences are paired (common random numbers).
 */
#include "cli.h"
#include "options.h"
#include "serve_page.h"
#include "term.h"

#include "cpsim/chart.h"
#include "cpsim/experiment.h"
#include "cpsim/output.h"
#include "cpsim/report.h"
#include "cpsim/scenario.h"

#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_URI 4096
#define MAX_PARAMS 16
#define MAX_VALUE 32
#define POOL_THREADS 2u
#define CONNECTION_LIMIT 64u
#define PER_IP_LIMIT 32u
#define CONNECTION_TIMEOUT_S 30u
#define CONNECTION_MEMORY (32u * 1024u)
#define DEFAULT_REPS 50
#define DEFAULT_MAX_REPS 200
#define LEVERS 6

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";

typedef struct lever {
    const char *key; /* section.key, the name the page sends */
    const char *label;
    const char *unit;
    bool boolean;
    bool percent;
    double min, max, step;
    int decimals;
    double value; /* in the scenario as loaded */
} lever;

typedef struct server {
    cp_config base;
    char label[256];
    lever levers[LEVERS];
    size_t default_reps, max_reps;
    int threads;
    bool quiet;
    pthread_mutex_t run_lock; /* one simulation at a time; guards ref below */
    cp_experiment *ref;
    cp_burnout_bins ref_bins;
    size_t ref_reps;
} server;

/* Per request, made by the URI log callback (which sees the raw URI, query
 * string included, before MHD parses it) and freed when the request ends.
 * Routing uses the raw path, not MHD's decoded one: every route is plain
 * ASCII, so a percent-encoded path ("/%61pp.js", "/index.html%00.js") is
 * simply not found, and no decoding trick can reach a route. */
#define RAW_PATH_MAX 64

typedef struct request {
    size_t uri_length;
    char path[RAW_PATH_MAX]; /* the raw path before '?', or "" when longer */
    bool answered;
} request;

/* ---- levers ------------------------------------------------------------------------ */

static double step_for(double v, double step) {
    double k = v / step;
    return fabs(k - round(k)) < 1e-9 ? step : step / 10.0;
}

static void levers_init(server *s) {
    const cp_config *c = &s->base;
    lever *l = s->levers;
    l[0] = (lever){"team.social_workers",
                   "Social workers (posts)",
                   "posts",
                   false,
                   false,
                   1,
                   fmax(20.0, ceil(2.0 * c->social_workers)),
                   step_for(c->social_workers, 1.0),
                   0,
                   c->social_workers};
    l[1] = (lever){"caseload.cap_cases",
                   "Caseload cap (cases each)",
                   "cases",
                   false,
                   false,
                   fmin(5.0, floor(c->cap_cases)),
                   fmax(40.0, ceil(c->cap_cases)),
                   step_for(c->cap_cases, 1.0),
                   0,
                   c->cap_cases};
    l[2] = (lever){"demand.referrals_per_week",
                   "Referrals a week",
                   "a week",
                   false,
                   false,
                   0,
                   fmax(10.0, ceil(3.0 * c->referrals_per_week)),
                   step_for(c->referrals_per_week, 0.1),
                   1,
                   c->referrals_per_week};
    l[3] = (lever){"recruitment.agency_cover_share",
                   "Vacancies covered by agency staff",
                   "",
                   false,
                   true,
                   0,
                   1,
                   step_for(c->agency_cover_share, 0.05),
                   2,
                   c->agency_cover_share};
    l[4] = (lever){"supervision.manager_hours_per_week",
                   "Supervision hours a week (manager)",
                   "hours",
                   false,
                   false,
                   0,
                   fmax(20.0, ceil(2.0 * c->manager_hours_per_week)),
                   step_for(c->manager_hours_per_week, 0.5),
                   1,
                   c->manager_hours_per_week};
    l[5] = (lever){"policy.retention_bonus",
                   "Retention package (bonus and extra leave)",
                   "",
                   true,
                   false,
                   0,
                   1,
                   1,
                   0,
                   c->retention_bonus ? 1.0 : 0.0};
    for (int i = 0; i < LEVERS; i++) {
        if (l[i].step < 0.01 && !l[i].boolean)
            l[i].decimals = 2;
        if (l[i].step < 1.0 && l[i].decimals == 0)
            l[i].decimals = 1;
    }
}

static const lever *lever_find(const server *s, const char *key) {
    for (int i = 0; i < LEVERS; i++)
        if (strcmp(s->levers[i].key, key) == 0)
            return &s->levers[i];
    return NULL;
}

/* ---- replies ------------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
                             const char *body, size_t len, bool copy) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, (void *)(uintptr_t)body, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status,
                                   const char *message, const char *key) {
    cp_buf b;
    cp_buf_init(&b);
    cp_buf_printf(&b, "{\"status\":%u,\"error\":", status);
    cp_json_string(&b, message);
    if (key) {
        cp_buf_puts(&b, ",\"key\":");
        cp_json_string(&b, key);
    }
    cp_buf_puts(&b, "}\n");
    enum MHD_Result r;
    if (b.failed || !b.data)
        r = reply(conn, 500, "application/json", "{\"error\":\"out of memory\"}\n", 26, false);
    else
        r = reply(conn, status, "application/json", b.data, b.len, true);
    cp_buf_fini(&b);
    return r;
}

static enum MHD_Result reply_json(struct MHD_Connection *conn, cp_buf *b) {
    if (b->failed || !b->data)
        return reply_error(conn, 500, "out of memory building the answer", NULL);
    return reply(conn, 200, "application/json", b->data, b->len, true);
}

/* ---- /api/config ------------------------------------------------------------------------ */

static enum MHD_Result api_config(server *s, struct MHD_Connection *conn) {
    cp_buf b;
    cp_buf_init(&b);
    cp_buf_puts(&b, "{\"label\":");
    cp_json_string(&b, s->label);
    cp_buf_puts(&b, ",\"years\":");
    cp_json_number(&b, s->base.years);
    cp_buf_puts(&b, ",\"warmup_years\":");
    cp_json_number(&b, s->base.warmup_years);
    cp_buf_printf(&b, ",\"reps\":%zu,\"max_reps\":%zu,\"levers\":[", s->default_reps, s->max_reps);
    for (int i = 0; i < LEVERS; i++) {
        const lever *l = &s->levers[i];
        cp_buf_puts(&b, i ? ",{\"key\":" : "{\"key\":");
        cp_json_string(&b, l->key);
        cp_buf_puts(&b, ",\"label\":");
        cp_json_string(&b, l->label);
        cp_buf_puts(&b, ",\"unit\":");
        cp_json_string(&b, l->unit);
        cp_buf_printf(&b, ",\"boolean\":%s,\"percent\":%s,\"min\":", l->boolean ? "true" : "false",
                      l->percent ? "true" : "false");
        cp_json_number(&b, l->min);
        cp_buf_puts(&b, ",\"max\":");
        cp_json_number(&b, l->max);
        cp_buf_puts(&b, ",\"step\":");
        cp_json_number(&b, l->step);
        cp_buf_printf(&b, ",\"decimals\":%d,\"value\":", l->decimals);
        cp_json_number(&b, l->value);
        cp_buf_puts(&b, "}");
    }
    cp_buf_puts(&b, "]}\n");
    enum MHD_Result r = reply_json(conn, &b);
    cp_buf_fini(&b);
    return r;
}

/* ---- /api/run ----------------------------------------------------------------------------- */

typedef struct params {
    size_t count;
    const char *key[MAX_PARAMS];
    const char *value[MAX_PARAMS];
    bool overflow;
} params;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value) {
    (void)kind;
    params *p = cls;
    if (p->count == MAX_PARAMS) {
        p->overflow = true;
        return MHD_NO;
    }
    p->key[p->count] = key;
    p->value[p->count] = value;
    p->count++;
    return MHD_YES;
}

typedef struct run_request {
    cp_config cfg;
    size_t reps;
    double settings[LEVERS];
    char error[800];
    const char *error_key;
} run_request;

static bool parse_bool(const char *v, bool *out) {
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
        *out = false;
    else
        return false;
    return true;
}

/* Applies "key=value" through the scenario file's own checks. */
static bool apply(run_request *rq, const char *key, const char *value) {
    char assignment[160];
    snprintf(assignment, sizeof assignment, "%s=%s", key, value);
    cp_diagnostics diags;
    cp_diagnostics_init(&diags);
    cp_status st = cp_scenario_apply(&rq->cfg, assignment, &diags);
    if (st != CP_OK) {
        if (diags.count > 0)
            snprintf(rq->error, sizeof rq->error, "%s: %s", key, diags.items[0].message);
        else
            snprintf(rq->error, sizeof rq->error, "%s: rejected by the scenario rules", key);
        rq->error_key = key;
    }
    cp_diagnostics_fini(&diags);
    return st == CP_OK;
}

/* Fills rq from the query; false with rq->error (a 400) when anything is
 * wrong. Nothing from the request reaches the config except through apply. */
static bool parse_query(const server *s, const params *p, run_request *rq) {
    rq->cfg = s->base;
    rq->reps = s->default_reps;
    rq->error_key = NULL;
    for (int i = 0; i < LEVERS; i++)
        rq->settings[i] = s->levers[i].value;
    for (size_t i = 0; i < p->count; i++) {
        const char *key = p->key[i], *value = p->value[i];
        rq->error_key = key;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p->key[j], key) == 0) {
                snprintf(rq->error, sizeof rq->error, "%s is given more than once", key);
                return false;
            }
        }
        if (!value || !*value) {
            snprintf(rq->error, sizeof rq->error, "%s needs a value", key);
            return false;
        }
        if (strlen(value) > MAX_VALUE) {
            snprintf(rq->error, sizeof rq->error, "the value of %s is too long", key);
            return false;
        }
        if (strcmp(key, "reps") == 0) {
            if (!cli_parse_size(value, 1, s->max_reps, &rq->reps)) {
                snprintf(rq->error, sizeof rq->error, "reps must be a whole number from 1 to %zu",
                         s->max_reps);
                return false;
            }
            continue;
        }
        const lever *l = lever_find(s, key);
        if (!l) {
            snprintf(rq->error, sizeof rq->error,
                     "unknown key (the page may set only team.social_workers, "
                     "caseload.cap_cases, demand.referrals_per_week, "
                     "recruitment.agency_cover_share, supervision.manager_hours_per_week, "
                     "policy.retention_bonus and reps)");
            return false;
        }
        int idx = (int)(l - s->levers);
        if (l->boolean) {
            bool on;
            if (!parse_bool(value, &on)) {
                snprintf(rq->error, sizeof rq->error, "%s must be true or false", key);
                return false;
            }
            if (!apply(rq, key, on ? "true" : "false"))
                return false;
            /* One toggle, two policies: switching away from the file's
             * setting switches both; leaving it keeps the file's pair. */
            bool file_value = l->value != 0.0;
            if (on != file_value && !apply(rq, "policy.retention_leave", on ? "true" : "false"))
                return false;
            rq->settings[idx] = on ? 1.0 : 0.0;
            continue;
        }
        double v;
        if (!cli_parse_real(value, l->min, l->max, &v)) {
            snprintf(rq->error, sizeof rq->error, "%s must be a number from %g to %g", key, l->min,
                     l->max);
            return false;
        }
        if (!apply(rq, key, value))
            return false;
        rq->settings[idx] = v;
    }
    rq->error_key = NULL;
    return true;
}

/* Runs cfg for reps replications (under the run lock). */
static cp_experiment *run_experiment(const server *s, const cp_config *cfg, size_t reps,
                                     cp_burnout_bins *bins, cp_error *err) {
    if (cp_burnout_bins_init(bins, reps, err) != CP_OK)
        return NULL;
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &s->base);
    opt.seed = s->base.seed; /* the file's seed for both: paired runs */
    opt.replications = reps;
    opt.threads = s->threads;
    opt.on_replication = cp_burnout_bins_record;
    opt.replication_ctx = bins;
    cp_experiment *e = cp_experiment_create(cfg, &opt, err);
    if (e && cp_experiment_run(e, err) != CP_OK) {
        cp_experiment_destroy(e);
        e = NULL;
    }
    if (!e)
        cp_burnout_bins_fini(bins);
    return e;
}

static void json_summary(cp_buf *b, const cp_summary *m) {
    cp_buf_printf(b, "{\"n\":%zu,\"mean\":", m->n);
    cp_json_number(b, m->mean);
    cp_buf_puts(b, ",\"ci_low\":");
    cp_json_number(b, m->ci_low);
    cp_buf_puts(b, ",\"ci_high\":");
    cp_json_number(b, m->ci_high);
    cp_buf_puts(b, ",\"p5\":");
    cp_json_number(b, m->p5);
    cp_buf_puts(b, ",\"p95\":");
    cp_json_number(b, m->p95);
    cp_buf_puts(b, "}");
}

static void json_series(cp_buf *b, const cp_experiment *e, cp_series_id m) {
    const double *arrays[3] = {e->series_mean, e->series_p5, e->series_p95};
    static const char *const names[3] = {"mean", "p5", "p95"};
    cp_buf_puts(b, "{");
    for (int a = 0; a < 3; a++) {
        cp_buf_printf(b, "%s\"%s\":[", a ? "," : "", names[a]);
        for (size_t r = 0; r < e->series_rows; r++) {
            if (r)
                cp_buf_puts(b, ",");
            /* four significant figures: a chart needs no more */
            double x = arrays[a] ? arrays[a][r * CP_SERIES_COUNT + m] : (double)NAN;
            if (isfinite(x))
                cp_buf_printf(b, "%.4g", x);
            else
                cp_buf_puts(b, "null");
        }
        cp_buf_puts(b, "]");
    }
    cp_buf_puts(b, "}");
}

static void build_answer(cp_buf *b, const server *s, const run_request *rq,
                         const cp_experiment *now, const cp_burnout_bins *now_bins,
                         double seconds) {
    static const cp_outcome_id keys[] = {
        CP_OUT_UNALLOCATED_MEAN, CP_OUT_UNALLOCATED_MAX, CP_OUT_WAIT_MEAN_DAYS,
        CP_OUT_CASELOAD_MEAN,    CP_OUT_OVER_CAP_SHARE,  CP_OUT_BURNOUT_MEAN,
        CP_OUT_TURNOVER_RATE,    CP_OUT_VACANCY_RATE,    CP_OUT_AGENCY_RATE,
        CP_OUT_SICKNESS_RATE,    CP_OUT_HARM_EVENTS,     CP_OUT_MISSED_RISK,
        CP_OUT_COST_TOTAL};
    static const cp_series_id series[] = {CP_SERIES_UNALLOCATED,   CP_SERIES_CASELOAD_MEAN,
                                          CP_SERIES_CASELOAD_MAX,  CP_SERIES_BURNOUT_MEAN,
                                          CP_SERIES_PERMANENT_FTE, CP_SERIES_AGENCY_FTE,
                                          CP_SERIES_VACANCIES};
    const cp_experiment *ref = s->ref;
    cp_buf_puts(b, "{\"label\":");
    cp_json_string(b, s->label);
    cp_buf_puts(b, ",\"years\":");
    cp_json_number(b, now->config.years);
    cp_buf_printf(b, ",\"reps\":%zu,\"seed\":\"%llu\",\"seconds\":", now->replications,
                  (unsigned long long)now->options.seed);
    cp_json_number(b, seconds);
    cp_buf_puts(b, ",\"settings\":{");
    for (int i = 0; i < LEVERS; i++) {
        cp_buf_puts(b, i ? "," : "");
        cp_json_string(b, s->levers[i].key);
        cp_buf_puts(b, ":");
        if (s->levers[i].boolean)
            cp_buf_puts(b, rq->settings[i] != 0.0 ? "true" : "false");
        else
            cp_json_number(b, rq->settings[i]);
    }
    cp_buf_puts(b, "},\"outcomes\":{");
    size_t n = ref->replications < now->replications ? ref->replications : now->replications;
    double *scratch = malloc(CP_STATS_SCRATCH(n ? n : 1) * sizeof *scratch);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        cp_outcome_id k = keys[i];
        cp_buf_puts(b, i ? "," : "");
        cp_json_string(b, cp_outcome_info_get(k)->name);
        cp_buf_puts(b, ":{\"now\":");
        json_summary(b, &now->summary[k]);
        cp_buf_puts(b, ",\"scenario\":");
        json_summary(b, &ref->summary[k]);
        cp_buf_puts(b, ",\"diff\":");
        if (scratch) {
            cp_paired_summary p;
            cp_stats_paired(&ref->outcomes[k], &now->outcomes[k], n, CP_OUTCOME_COUNT, scratch, &p);
            cp_buf_puts(b, "{\"mean\":");
            cp_json_number(b, p.diff_mean);
            cp_buf_puts(b, ",\"ci_low\":");
            cp_json_number(b, p.ci_low);
            cp_buf_puts(b, ",\"ci_high\":");
            cp_json_number(b, p.ci_high);
            cp_buf_puts(b, "}");
        } else {
            b->failed = true;
        }
        cp_buf_puts(b, "}");
    }
    free(scratch);
    cp_buf_puts(b, "},\"series\":{\"interval_days\":");
    cp_json_number(b, now->config.timeseries_interval_days);
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++) {
        cp_buf_puts(b, ",");
        cp_json_string(b, cp_series_info_get(series[i])->name);
        cp_buf_puts(b, ":");
        json_series(b, now, series[i]);
    }
    cp_buf_puts(b, "},\"charts\":{");
    cp_report_scenario sc[2] = {
        {.label = "scenario file", .exp = ref, .burnout = &s->ref_bins},
        {.label = "your settings", .exp = now, .burnout = now_bins},
    };
    cp_report r = {.scenarios = sc, .count = 2};
    static const struct {
        const char *name;
        cp_report_chart chart;
    } charts[] = {{"unallocated", CP_REPORT_UNALLOCATED},
                  {"caseload", CP_REPORT_CASELOAD},
                  {"staff", CP_REPORT_STAFF},
                  {"burnout", CP_REPORT_BURNOUT},
                  {"harm", CP_REPORT_HARM}};
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++) {
        cp_buf svg;
        cp_buf_init(&svg);
        cp_report_chart_svg(&svg, &r, charts[i].chart, 1);
        cp_buf_printf(b, "%s\"%s\":", i ? "," : "", charts[i].name);
        cp_json_string(b, svg.data ? svg.data : "");
        if (svg.failed)
            b->failed = true;
        cp_buf_fini(&svg);
    }
    cp_buf_puts(b, "}}\n");
}

static enum MHD_Result api_run(server *s, struct MHD_Connection *conn) {
    params p;
    memset(&p, 0, sizeof p);
    int total = MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (total > MAX_PARAMS)
        return reply_error(conn, 400, "too many parameters", NULL);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect, &p);
    if (p.overflow)
        return reply_error(conn, 400, "too many parameters", NULL);
    run_request *rq = malloc(sizeof *rq);
    if (!rq)
        return reply_error(conn, 503, "out of memory", NULL);
    if (!parse_query(s, &p, rq)) {
        enum MHD_Result r = reply_error(conn, 400, rq->error, rq->error_key);
        free(rq);
        return r;
    }

    cp_error err;
    cp_error_clear(&err);
    cp_buf b;
    cp_buf_init(&b);
    bool ok = true;
    pthread_mutex_lock(&s->run_lock);
    double t0 = cp_monotonic_seconds();
    bool cached = s->ref && s->ref_reps == rq->reps;
    if (!cached) {
        cp_experiment_destroy(s->ref);
        cp_burnout_bins_fini(&s->ref_bins);
        s->ref = run_experiment(s, &s->base, rq->reps, &s->ref_bins, &err);
        s->ref_reps = s->ref ? rq->reps : 0;
        ok = s->ref != NULL;
    }
    double t_ref = cp_monotonic_seconds() - t0;
    cp_experiment *now = NULL;
    cp_burnout_bins now_bins = {0};
    bool same = ok && memcmp(&rq->cfg, &s->base, sizeof rq->cfg) == 0;
    double t1 = cp_monotonic_seconds();
    if (ok && !same) {
        now = run_experiment(s, &rq->cfg, rq->reps, &now_bins, &err);
        ok = now != NULL;
    }
    double seconds = cp_monotonic_seconds() - t1;
    if (ok) {
        build_answer(&b, s, rq, same ? s->ref : now, same ? &s->ref_bins : &now_bins,
                     same ? t_ref : seconds);
    }
    pthread_mutex_unlock(&s->run_lock);
    if (!s->quiet) {
        fprintf(stderr, "cpsim serve: /api/run %zu replications: %s%.3f s%s\n", rq->reps,
                same ? "the scenario file, " : "", same ? t_ref : seconds,
                cached ? "" : " (+ the scenario file's reference run)");
    }
    cp_experiment_destroy(now);
    cp_burnout_bins_fini(&now_bins);
    free(rq);
    enum MHD_Result r = ok ? reply_json(conn, &b)
                           : reply_error(conn, err.status == CP_EINPUT ? 400 : 500,
                                         err.message[0] ? err.message : "the run failed", NULL);
    cp_buf_fini(&b);
    return r;
}

/* ---- MHD callbacks ------------------------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    (void)cls;
    (void)conn;
    request *rq = calloc(1, sizeof *rq);
    if (!rq || !uri)
        return rq;
    rq->uri_length = strlen(uri);
    size_t n = strcspn(uri, "?");
    if (n < RAW_PATH_MAX) {
        memcpy(rq->path, uri, n);
        rq->path[n] = '\0';
    }
    return rq;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    (void)cls;
    (void)conn;
    (void)code;
    free(*con_cls);
    *con_cls = NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    (void)version;
    (void)upload_data;
    server *s = cls;
    request *rq = *con_cls;
    if (!rq)
        return reply_error(conn, 503, "out of memory", NULL);
    if (rq->answered) {
        *upload_data_size = 0; /* a body we do not want: drop it */
        return MHD_YES;
    }
    rq->answered = true;
    if (rq->uri_length > MAX_URI)
        return reply_error(conn, 414, "the request is too long", NULL);
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_error(conn, 405, "only GET and HEAD are served", NULL);
    (void)url; /* decoded by MHD; we route on the raw path (see request) */
    if (strcmp(rq->path, "/api/run") == 0)
        return api_run(s, conn);
    if (strcmp(rq->path, "/api/config") == 0)
        return api_config(s, conn);
    const serve_asset *a = rq->path[0] ? serve_asset_find(rq->path) : NULL;
    if (!a)
        return reply_error(conn, 404, "not found", NULL);
    return reply(conn, 200, a->content_type, a->body, strlen(a->body), false);
}

/* ---- the command ---------------------------------------------------------------------------- */

static void usage(FILE *to) {
    fprintf(to,
            "usage: cpsim serve FILE [options]\n"
            "\n"
            "Serves a live page for FILE: sliders for social workers, caseload cap,\n"
            "referrals, agency cover, supervision and a retention package; every move\n"
            "reruns the simulation and redraws. Everything the page needs is inside the\n"
            "program: it works with no network.\n"
            "\n"
            "options:\n"
            "  --port P              port (default 8080; 0 picks a free one and prints it)\n"
            "  --bind ADDR           address to listen on (default 127.0.0.1: this\n"
            "                        computer only; 0.0.0.0 opens it to the network)\n"
            "  --reps N              replications per change (default %d)\n"
            "  --max-reps N          most replications a request may ask for (default %d)\n"
            "  --threads T           simulation threads (default 2)\n"
            "  --set section.key=V   override a scenario key (repeatable)\n"
            "  --quiet               do not log requests\n"
            "  --help                this text\n",
            DEFAULT_REPS, DEFAULT_MAX_REPS);
}

static bool loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return false;
}

typedef struct serve_args {
    size_t port, max_reps;
    const char *bind_addr;
} serve_args;

enum { OPT_PORT = CLI_OPT_OWN, OPT_BIND, OPT_MAX_REPS };

static int on_own(void *ctx, int id, const char *value) {
    serve_args *a = ctx;
    switch (id) {
    case OPT_PORT:
        if (!cli_parse_size(value, 0, 65535, &a->port))
            return cli_usage_error("serve", "--port needs a number from 0 to 65535, not \"%s\"",
                                   value);
        return -1;
    case OPT_BIND:
        a->bind_addr = value;
        return -1;
    default: /* OPT_MAX_REPS */
        if (!cli_parse_size(value, 1, 100000, &a->max_reps))
            return cli_usage_error(
                "serve", "--max-reps needs a whole number from 1 to 100000, not \"%s\"", value);
        return -1;
    }
}

int cli_serve(int argc, char **argv) {
    static const cli_own_option own[] = {{"port", true, OPT_PORT},
                                         {"bind", true, OPT_BIND},
                                         {"max-reps", true, OPT_MAX_REPS},
                                         {NULL, false, 0}};
    serve_args a = {.port = 8080, .max_reps = DEFAULT_MAX_REPS, .bind_addr = "127.0.0.1"};
    /* --reps here is replications per slider move, not the scenario's
     * simulation.replications, hence reps_is_key = false. */
    const cli_command cmd = {.name = "serve",
                             .usage = usage,
                             .common = CLI_OPT_REPS | CLI_OPT_THREADS | CLI_OPT_SET | CLI_OPT_QUIET,
                             .reps_min = 1,
                             .reps_max = 100000,
                             .threads_default = 2,
                             .threads_max = 256,
                             .files_max = 1,
                             .own = own,
                             .on_own = on_own,
                             .ctx = &a};
    server *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "cpsim serve: out of memory\n");
        return 1;
    }
    cli_common c;
    int code = cli_options_load(&cmd, argc, argv, &c, &s->base);
    size_t reps = c.have_reps ? c.reps : DEFAULT_REPS, max_reps = a.max_reps, port = a.port;
    if (code < 0 && reps > max_reps) {
        cli_common_fini(&c);
        code = cli_usage_error("serve", "--reps (%zu) is above --max-reps (%zu)", reps, max_reps);
    }
    if (code >= 0) {
        free(s);
        return code;
    }
    const char *file = c.files[0], *bind_addr = a.bind_addr;
    int threads = c.threads;
    bool quiet = c.quiet;
    cli_common_fini(&c);
    cli_scenario_basename(file, s->label, sizeof s->label);
    s->default_reps = reps;
    s->max_reps = max_reps;
    s->threads = threads;
    s->quiet = quiet;
    levers_init(s);
    pthread_mutex_init(&s->run_lock, NULL);

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%zu", port);
    if (getaddrinfo(bind_addr, port_text, &hints, &ai) != 0 || !ai) {
        pthread_mutex_destroy(&s->run_lock);
        free(s);
        return cli_usage_error("serve", "--bind needs a numeric IPv4 or IPv6 address, not \"%s\"",
                               bind_addr);
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, POOL_THREADS, MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
        CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_END);
    bool open_to_network = !loopback(ai->ai_addr);
    freeaddrinfo(ai);
    if (!d) {
        fprintf(stderr, "cpsim serve: cannot listen on %s port %zu (in use, or not allowed)\n",
                bind_addr, port);
        pthread_mutex_destroy(&s->run_lock);
        free(s);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned bound = info ? info->port : (unsigned)port;
    bool v6 = strchr(bind_addr, ':') != NULL;
    printf("Serving %s on http://%s%s%s:%u/ (Ctrl-C to stop)\n", s->label, v6 ? "[" : "", bind_addr,
           v6 ? "]" : "", bound);
    if (open_to_network)
        printf("Warning: %s is reachable from other computers on the network.\n", bind_addr);
    fflush(stdout);

    cli_install_signal_handlers();
    struct timespec nap = {0, 100 * 1000 * 1000};
    while (!cli_interrupted)
        nanosleep(&nap, NULL);
    MHD_stop_daemon(d);
    cp_experiment_destroy(s->ref);
    cp_burnout_bins_fini(&s->ref_bins);
    pthread_mutex_destroy(&s->run_lock);
    free(s);
    printf("Stopped.\n");
    return 0;
}
