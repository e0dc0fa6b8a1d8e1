/* test_report.c: the trainer's outputs: number wording, SVG charts, the HTML
 * report, the story of a run, and the experiment's per-replication callback
 * that feeds the burnout chart.
 *
 * Whole-document well-formedness is checked end to end with a strict parser
 * (tests/e2e/test_report.sh); here we check what a parser cannot: that the
 * right charts and sentences are there, that text is escaped, that output is
 * deterministic, and that the story numbers workers without reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpsim/chart.h"
#include "cpsim/experiment.h"
#include "cpsim/narrate.h"
#include "cpsim/report.h"
#include "cpsim/scenario.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t count_of(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A small team for a few years: fast enough for unit tests. */
static cp_config small_config(void) {
    cp_config cfg;
    cp_config_defaults(&cfg);
    cfg.years = 2.0;
    cfg.warmup_years = 0.5;
    cfg.social_workers = 5.0;
    cfg.referrals_per_week = 3.2;
    cfg.seed = 99;
    cfg.replications = 6;
    return cfg;
}

/* ---- numbers for people ---------------------------------------------------------- */

static void numbers_read_as_people_write_them(void **state) {
    (void)state;
    char b[64];
    cp_format_plain(b, sizeof b, 2.6123);
    assert_string_equal(b, "2.6");
    cp_format_plain(b, sizeof b, 12437.0);
    assert_string_equal(b, "12,400");
    cp_format_plain(b, sizeof b, 612345.0);
    assert_string_equal(b, "612,000");
    cp_format_plain(b, sizeof b, -1234567.0);
    assert_string_equal(b, "-1,230,000");
    cp_format_plain(b, sizeof b, 18.0);
    assert_string_equal(b, "18");
    cp_format_plain(b, sizeof b, 0.5);
    assert_string_equal(b, "0.5");
    cp_format_plain(b, sizeof b, 2.0000001); /* an estimate keeps its precision */
    assert_string_equal(b, "2.0");
    cp_format_plain(b, sizeof b, 0.0431);
    assert_string_equal(b, "0.043");
    cp_format_plain(b, sizeof b, -1.4e-18);
    assert_string_equal(b, "0");
    cp_format_plain(b, sizeof b, (double)NAN);
    assert_string_equal(b, "n/a");
    cp_format_percent(b, sizeof b, 0.154);
    assert_string_equal(b, "15%");
    cp_format_percent(b, sizeof b, 0.024);
    assert_string_equal(b, "2.4%");
}

/* ---- charts ---------------------------------------------------------------------- */

static void a_line_chart_breaks_at_gaps_and_escapes_its_text(void **state) {
    (void)state;
    const double mean[6] = {1, 2, (double)NAN, 4, 5, 6};
    const double lo[6] = {0, 1, (double)NAN, 3, 4, 5};
    const double hi[6] = {2, 3, (double)NAN, 5, 6, 7};
    cp_chart_line line = {.label = "A & <B>", .mean = mean, .low = lo, .high = hi, .stride = 1};
    cp_line_chart c = {.id = "chart-x",
                       .title = "Title \"quoted\"",
                       .x_label = "years",
                       .y_label = "cases",
                       .points = 6,
                       .x0 = 0,
                       .dx = 1,
                       .lines = &line,
                       .line_count = 1};
    cp_buf b;
    cp_buf_init(&b);
    cp_chart_line_svg(&b, &c);
    assert_false(b.failed);
    assert_non_null(strstr(b.data, "id=\"chart-x\""));
    assert_non_null(strstr(b.data, "<title>Title &quot;quoted&quot;</title>"));
    assert_non_null(strstr(b.data, "A &amp; &lt;B&gt;"));
    assert_null(strstr(b.data, "<B>"));
    assert_int_equal(count_of(b.data, "<polyline"), 2); /* broken at the gap */
    assert_int_equal(count_of(b.data, "<polygon"), 2);
    assert_int_equal(count_of(b.data, "<svg"), 1);
    assert_int_equal(count_of(b.data, "</svg>"), 1);
    cp_buf_fini(&b);
}

static void bar_whiskers_below_zero_do_not_pull_the_axis_under_zero(void **state) {
    (void)state;
    const char *groups[2] = {"a", "b"};
    const char *series[1] = {"s"};
    const double v[2] = {0.1, 3.0}, lo[2] = {-0.5, 2.0}, hi[2] = {0.7, 4.0};
    cp_bar_chart c = {.id = "bars",
                      .title = "t",
                      .y_label = "y",
                      .groups = groups,
                      .group_count = 2,
                      .series = series,
                      .series_count = 1,
                      .value = v,
                      .low = lo,
                      .high = hi,
                      .value_decimals = 1};
    cp_buf b;
    cp_buf_init(&b);
    cp_chart_bar_svg(&b, &c);
    assert_false(b.failed);
    assert_null(strstr(b.data, ">-1<")); /* no negative tick */
    assert_null(strstr(b.data, ">-0.5<"));
    assert_int_equal(count_of(b.data, "<path d="), 2); /* two whiskers */
    assert_non_null(strstr(b.data, ">3.0</text>"));
    cp_buf_fini(&b);
}

/* ---- experiments, the callback and the report ----------------------------------- */

typedef struct calls {
    pthread_mutex_t lock;
    size_t n;
    int seen[64];
} calls;

static void count_call(void *ctx, size_t r, const cp_result *result) {
    calls *c = ctx;
    pthread_mutex_lock(&c->lock);
    c->n++;
    if (r < 64)
        c->seen[r]++;
    pthread_mutex_unlock(&c->lock);
    assert_true(result->worker_count > 0);
}

static void the_replication_callback_sees_every_replication_once(void **state) {
    (void)state;
    cp_config cfg = small_config();
    calls c = {.n = 0};
    pthread_mutex_init(&c.lock, NULL);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, &cfg);
    opt.threads = 2;
    opt.on_replication = count_call;
    opt.replication_ctx = &c;
    cp_error err;
    cp_experiment *e = cp_experiment_create(&cfg, &opt, &err);
    assert_non_null(e);
    assert_int_equal(cp_experiment_run(e, &err), CP_OK);
    assert_int_equal(c.n, 6);
    for (int r = 0; r < 6; r++)
        assert_int_equal(c.seen[r], 1);
    cp_experiment_destroy(e);
    pthread_mutex_destroy(&c.lock);
}

static cp_experiment *run_with_bins(const cp_config *cfg, cp_burnout_bins *bins, int threads) {
    cp_error err;
    assert_int_equal(cp_burnout_bins_init(bins, (size_t)cfg->replications, &err), CP_OK);
    cp_experiment_options opt;
    cp_experiment_options_defaults(&opt, cfg);
    opt.threads = threads;
    opt.on_replication = cp_burnout_bins_record;
    opt.replication_ctx = bins;
    cp_experiment *e = cp_experiment_create(cfg, &opt, &err);
    assert_non_null(e);
    assert_int_equal(cp_experiment_run(e, &err), CP_OK);
    return e;
}

static void burnout_bins_count_the_workers_in_post_at_the_end(void **state) {
    (void)state;
    cp_config cfg = small_config();
    cp_burnout_bins bins;
    cp_experiment *e = run_with_bins(&cfg, &bins, 1);
    for (size_t r = 0; r < bins.replications; r++) {
        double total = 0.0;
        for (int k = 0; k < CP_BURNOUT_BINS; k++) {
            assert_true(bins.counts[r * CP_BURNOUT_BINS + (size_t)k] >= 0.0);
            total += bins.counts[r * CP_BURNOUT_BINS + (size_t)k];
        }
        assert_true(total >= 1.0 && total <= 10.0); /* a team of five posts */
    }
    cp_experiment_destroy(e);
    cp_burnout_bins_fini(&bins);
}

static void
the_report_has_its_charts_and_summary_and_is_the_same_for_any_thread_count(void **state) {
    (void)state;
    cp_config a = small_config();
    cp_config b = a;
    b.social_workers = 7.0;
    cp_burnout_bins ba, bb, ba2;
    cp_experiment *ea = run_with_bins(&a, &ba, 1);
    cp_experiment *eb = run_with_bins(&b, &bb, 1);
    cp_experiment *ea2 = run_with_bins(&a, &ba2, 2);

    cp_report_scenario one[1] = {{.label = "small <team>", .exp = ea, .burnout = &ba}};
    cp_report r1 = {.scenarios = one, .count = 1};
    cp_buf h1;
    cp_buf_init(&h1);
    cp_report_html(&h1, &r1);
    assert_false(h1.failed);
    assert_int_equal(count_of(h1.data, "<svg"), 5);
    assert_non_null(strstr(h1.data, "id=\"chart-unallocated\""));
    assert_non_null(strstr(h1.data, "id=\"chart-caseload\""));
    assert_non_null(strstr(h1.data, "id=\"chart-staff-1\""));
    assert_non_null(strstr(h1.data, "id=\"chart-burnout\""));
    assert_non_null(strstr(h1.data, "id=\"chart-harm\""));
    assert_non_null(strstr(h1.data, "Across 6 runs of 2 years"));
    assert_non_null(strstr(h1.data, "cases waiting for a social worker"));
    assert_non_null(strstr(h1.data, "How sure are these figures?"));
    assert_non_null(strstr(h1.data, "small &lt;team&gt;"));
    assert_null(strstr(h1.data, "<team>"));
    assert_null(strstr(h1.data, "<script"));
    assert_null(strstr(h1.data, "src=\"http")); /* nothing fetched from elsewhere */
    assert_null(strstr(h1.data, "href=\"http"));

    /* Two threads: the same bytes. */
    cp_report_scenario one2[1] = {{.label = "small <team>", .exp = ea2, .burnout = &ba2}};
    cp_report r2 = {.scenarios = one2, .count = 1};
    cp_buf h2;
    cp_buf_init(&h2);
    cp_report_html(&h2, &r2);
    assert_int_equal(h1.len, h2.len);
    assert_memory_equal(h1.data, h2.data, h1.len);

    /* Side by side: one staff chart each, and paired differences. */
    cp_report_scenario two[2] = {{.label = "five", .exp = ea, .burnout = &ba},
                                 {.label = "seven", .exp = eb, .burnout = &bb}};
    cp_report r3 = {.scenarios = two, .count = 2};
    cp_buf h3;
    cp_buf_init(&h3);
    cp_report_html(&h3, &r3);
    assert_false(h3.failed);
    assert_int_equal(count_of(h3.data, "<svg"), 6);
    assert_non_null(strstr(h3.data, "id=\"chart-staff-2\""));
    assert_non_null(strstr(h3.data, "Compared with <em>five</em>, <em>seven</em>"));
    assert_non_null(strstr(h3.data, "seven minus five (paired 95% CI)"));

    cp_buf_fini(&h1);
    cp_buf_fini(&h2);
    cp_buf_fini(&h3);
    cp_experiment_destroy(ea);
    cp_experiment_destroy(eb);
    cp_experiment_destroy(ea2);
    cp_burnout_bins_fini(&ba);
    cp_burnout_bins_fini(&bb);
    cp_burnout_bins_fini(&ba2);
}

/* ---- the story ---------------------------------------------------------------------- */

static char *story(const cp_config *cfg, uint64_t replication, int weeks, bool from_start) {
    cp_narrate_options opt = {.weeks = weeks, .from_start = from_start, .label = "small"};
    cp_buf b;
    cp_buf_init(&b);
    cp_error err;
    assert_int_equal(cp_narrate_run(cfg, cfg->seed, replication, &opt, &b, &err), CP_OK);
    assert_false(b.failed);
    return b.data;
}

static void the_story_is_told_by_week_and_is_the_same_for_a_seed(void **state) {
    (void)state;
    cp_config cfg = small_config();
    cfg.referrals_per_week = 4.0; /* a stretched team: something happens */
    char *s1 = story(&cfg, 1, 52, false);
    char *s2 = story(&cfg, 1, 52, false);
    assert_string_equal(s1, s2);
    assert_non_null(strstr(s1, "from the end of the warm-up"));
    assert_non_null(strstr(s1, "Week"));
    assert_non_null(strstr(s1, "In these 52 weeks:"));
    char *other = story(&cfg, 2, 52, false);
    assert_string_not_equal(s1, other);
    char *start = story(&cfg, 1, 40, true);
    assert_non_null(strstr(start, "from the very start"));
    assert_non_null(strstr(start, "warm-up)")); /* a week heading inside the warm-up */
    free(s1);
    free(s2);
    free(other);
    free(start);
}

static void story_workers_who_join_get_numbers_never_used_before(void **state) {
    (void)state;
    cp_config cfg = small_config();
    cfg.referrals_per_week = 4.5;
    cfg.years = 4.0;
    char *s = story(&cfg, 0, 200, false);
    /* Every "Worker N joined" names a new number above the 5 posts, in
     * increasing order. */
    int last = 5;
    size_t joined = 0;
    for (const char *p = strstr(s, "  - Worker "); p; p = strstr(p + 1, "  - Worker ")) {
        int n;
        char d;
        if (sscanf(p, "  - Worker %d joine%c", &n, &d) == 2 && d == 'd') {
            assert_true(n > last);
            last = n;
            joined++;
        }
    }
    assert_true(joined >= 1);
    free(s);
}

static void a_story_of_zero_weeks_is_bad_input(void **state) {
    (void)state;
    cp_config cfg = small_config();
    cp_narrate_options opt = {.weeks = 0};
    cp_error err;
    assert_null(cp_narrator_create(&cfg, &opt, &err));
    assert_int_equal(err.status, CP_EINPUT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_read_as_people_write_them),
        cmocka_unit_test(a_line_chart_breaks_at_gaps_and_escapes_its_text),
        cmocka_unit_test(bar_whiskers_below_zero_do_not_pull_the_axis_under_zero),
        cmocka_unit_test(the_replication_callback_sees_every_replication_once),
        cmocka_unit_test(burnout_bins_count_the_workers_in_post_at_the_end),
        cmocka_unit_test(
            the_report_has_its_charts_and_summary_and_is_the_same_for_any_thread_count),
        cmocka_unit_test(the_story_is_told_by_week_and_is_the_same_for_a_seed),
        cmocka_unit_test(story_workers_who_join_get_numbers_never_used_before),
        cmocka_unit_test(a_story_of_zero_weeks_is_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
