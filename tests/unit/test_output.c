/* test_output.c: the writers of sim/output: CSV quoting and numbers, JSON
 * escaping, the table texts, and atomic files that are never left partial.
 *
 * Failures are forced in ways that work even as root (where chmod 0555 does
 * not stop a write): the destination is a directory (rename fails), the
 * output directory is a regular file, or RLIMIT_FSIZE is lowered with
 * SIGXFSZ ignored so write(2) fails with EFBIG part-way through a file.
 * Every test works in its own fresh temporary directory and removes it.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpsim/output.h"

#include <math.h>

/* ---- helpers ----------------------------------------------------------------- */

static char *text_of(void (*fill)(cp_buf *, const void *), const void *arg) {
    cp_buf b;
    cp_buf_init(&b);
    fill(&b, arg);
    assert_false(b.failed);
    return b.data; /* caller frees */
}

static void fill_field(cp_buf *b, const void *arg) {
    cp_csv_field(b, arg);
}
static void fill_json(cp_buf *b, const void *arg) {
    cp_json_string(b, arg);
}
static void fill_number(cp_buf *b, const void *arg) {
    cp_format_number(b, *(const double *)arg);
}

static void check_field(const char *in, const char *want) {
    char *got = text_of(fill_field, in);
    assert_string_equal(got, want);
    free(got);
}

static void check_json(const char *in, const char *want) {
    char *got = text_of(fill_json, in);
    assert_string_equal(got, want);
    free(got);
}

static void check_number(double x, const char *want) {
    char *got = text_of(fill_number, &x);
    assert_string_equal(got, want);
    free(got);
}

static char *make_temp_dir(void) {
    char tmpl[] = "/tmp/cpsim-test-output-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *copy = malloc(strlen(dir) + 1);
    assert_non_null(copy);
    strcpy(copy, dir);
    return copy;
}

static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[CP_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            struct stat sb;
            if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
                remove_tree(path);
            else
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Number of entries in dir whose name starts with '.' (temp files). */
static int hidden_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static char *read_file(const char *dir, const char *name) {
    char path[CP_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = calloc(1, 1 << 20);
    assert_non_null(data);
    size_t n = fread(data, 1, (1 << 20) - 1, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

static void write_plain(const char *dir, const char *name, const char *text) {
    char path[CP_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---- formatting ------------------------------------------------------------- */

static void csv_fields_are_quoted_only_when_they_must_be(void **state) {
    (void)state;
    check_field("plain", "plain");
    check_field("", "");
    check_field("with space", "with space");
    check_field("a,b", "\"a,b\"");
    check_field("say \"hi\"", "\"say \"\"hi\"\"\"");
    check_field("two\nlines", "\"two\nlines\"");
    check_field("cr\rhere", "\"cr\rhere\"");
    check_field("\"", "\"\"\"\"");
}

static void numbers_are_written_in_the_shortest_form_that_reads_back_exactly(void **state) {
    (void)state;
    check_number(0.1, "0.1");
    check_number(1.0 / 3.0, "0.3333333333333333");
    check_number(0.1 + 0.2, "0.30000000000000004");
    check_number(2.0, "2");
    check_number(-0.5, "-0.5");
    check_number(1e-300, "1e-300");
    check_number(123456789012.0, "123456789012");
    check_number(NAN, "NA");
    check_number(INFINITY, "Inf");
    check_number(-INFINITY, "-Inf");
    /* Round trip over awkward values. */
    const double xs[] = {0.1 + 0.2, 5e-324, 1.7976931348623157e308, 2.0 / 3.0, 1e22, 0.3};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        char *got = text_of(fill_number, &xs[i]);
        assert_true(strtod(got, NULL) == xs[i]);
        free(got);
    }
}

static void json_strings_escape_quotes_backslashes_and_control_characters(void **state) {
    (void)state;
    check_json("plain", "\"plain\"");
    check_json("a \"quote\"", "\"a \\\"quote\\\"\"");
    check_json("back\\slash", "\"back\\\\slash\"");
    check_json("[s]\nkey = 1\r\n\ttab", "\"[s]\\nkey = 1\\r\\n\\ttab\"");
    check_json("\x01\x1f", "\"\\u0001\\u001f\"");
    check_json("caf\xc3\xa9", "\"caf\xc3\xa9\""); /* UTF-8 passes through */
}

static void json_numbers_that_are_not_finite_become_null(void **state) {
    (void)state;
    cp_buf b;
    cp_buf_init(&b);
    cp_json_number(&b, NAN);
    cp_buf_puts(&b, " ");
    cp_json_number(&b, 0.25);
    assert_string_equal(b.data, "null 0.25");
    cp_buf_fini(&b);
}

static void a_buffer_grows_past_its_first_allocation(void **state) {
    (void)state;
    cp_buf b;
    cp_buf_init(&b);
    for (int i = 0; i < 10000; i++)
        cp_buf_printf(&b, "%d,", i % 10);
    assert_false(b.failed);
    assert_int_equal(b.len, 20000);
    assert_int_equal(strlen(b.data), 20000);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cp_buf_printf(&b, "%s", big); /* longer than printf's stack buffer */
    assert_int_equal(b.len, 20000 + 599);
    cp_buf_fini(&b);
}

/* ---- tables ---------------------------------------------------------------------- */

static void summary_csv_has_exactly_the_documented_header(void **state) {
    (void)state;
    const char *names[] = {"unallocated_mean", "odd,name"};
    cp_summary rows[2] = {{.n = 3,
                           .mean = 1.5,
                           .sd = 0.5,
                           .ci_low = 0.25,
                           .ci_high = 2.75,
                           .median = 1.5,
                           .p5 = 1,
                           .p95 = 2},
                          {.n = 0,
                           .mean = NAN,
                           .sd = NAN,
                           .ci_low = NAN,
                           .ci_high = NAN,
                           .median = NAN,
                           .p5 = NAN,
                           .p95 = NAN}};
    cp_buf b;
    cp_buf_init(&b);
    cp_csv_summary(&b, names, rows, 2);
    assert_string_equal(b.data, "outcome,n,mean,sd,ci_low,ci_high,median,p5,p95\n"
                                "unallocated_mean,3,1.5,0.5,0.25,2.75,1.5,1,2\n"
                                "\"odd,name\",0,NA,NA,NA,NA,NA,NA,NA\n");
    cp_buf_fini(&b);
}

static void runs_csv_has_one_row_per_replication_with_its_seed(void **state) {
    (void)state;
    const char *names[] = {"a", "b"};
    const uint64_t reps[] = {0, 1, 2};
    const double values[] = {1, 2, 3, 4, 5, 0.1};
    cp_buf b;
    cp_buf_init(&b);
    cp_csv_runs(&b, 3, reps, UINT64_C(18446744073709551615), names, 2, values);
    assert_string_equal(b.data, "replication,seed,a,b\n"
                                "0,18446744073709551615,1,2\n"
                                "1,18446744073709551615,3,4\n"
                                "2,18446744073709551615,5,0.1\n");
    cp_buf_fini(&b);
}

static void timeseries_csv_is_long_with_the_day_at_each_intervals_end(void **state) {
    (void)state;
    const char *measures[] = {"unallocated", "burnout_mean"};
    const double mean[] = {1, 2, 3, 4}, p5[] = {0.5, 1.5, 2.5, 3.5}, p95[] = {2, 3, 4, 5};
    cp_buf b;
    cp_buf_init(&b);
    cp_csv_timeseries(&b, 2, 7, measures, 2, mean, p5, p95);
    assert_string_equal(b.data, "interval,day,measure,mean,p5,p95\n"
                                "1,7,unallocated,1,0.5,2\n"
                                "1,7,burnout_mean,2,1.5,3\n"
                                "2,14,unallocated,3,2.5,4\n"
                                "2,14,burnout_mean,4,3.5,5\n");
    cp_buf_fini(&b);
}

static void compare_csv_has_one_row_per_scenario_and_outcome_against_the_baseline(void **state) {
    (void)state;
    const char *scenarios[] = {"base", "cap=20", "more staff"};
    const char *outcomes[] = {"x"};
    cp_paired_summary rows[2] = {{.n = 4,
                                  .baseline_mean = 1,
                                  .scenario_mean = 2,
                                  .diff_mean = 1,
                                  .diff_sd = 0.5,
                                  .ci_low = 0.5,
                                  .ci_high = 1.5,
                                  .paired_half_width = 0.5,
                                  .unpaired_half_width = 1,
                                  .width_ratio = 0.5},
                                 {.n = 4,
                                  .baseline_mean = 1,
                                  .scenario_mean = 1,
                                  .diff_mean = 0,
                                  .diff_sd = 0,
                                  .ci_low = 0,
                                  .ci_high = 0,
                                  .paired_half_width = 0,
                                  .unpaired_half_width = 0,
                                  .width_ratio = NAN}};
    cp_buf b;
    cp_buf_init(&b);
    cp_csv_compare(&b, scenarios, 3, outcomes, 1, rows);
    assert_string_equal(b.data, "scenario,baseline,outcome,n,baseline_mean,scenario_mean,diff_mean,"
                                "diff_sd,ci_low,ci_high,paired_half_width,unpaired_half_width,"
                                "width_ratio\n"
                                "cap=20,base,x,4,1,2,1,0.5,0.5,1.5,0.5,1,0.5\n"
                                "more staff,base,x,4,1,1,0,0,0,0,0,0,NA\n");
    cp_buf_fini(&b);
}

static void the_manifest_escapes_the_scenario_and_records_the_command_line(void **state) {
    (void)state;
    const char *argv[] = {"cpsim", "run", "a \"quoted\" path.ini"};
    const char *files[] = {"runs.csv", "summary.csv"};
    const char *prec[] = {"unallocated_mean"};
    cp_manifest_scenario sc = {.label = "base", .path = "s.ini", .ini = "[simulation]\nseed = 1\n"};
    cp_manifest m = {.command = "run",
                     .version = "0.1.0",
                     .git_commit = "abc",
                     .generator = "philox4x64-10 (Random123)",
                     .seed = 42,
                     .replications = 8,
                     .threads = 2,
                     .argc = 3,
                     .argv = argv,
                     .wall_seconds = 1.5,
                     .peak_memory_kib = 1234,
                     .start_time_utc = "2024-01-02T03:04:05Z",
                     .precision = 0.05,
                     .precision_outcomes = prec,
                     .precision_outcome_count = 1,
                     .max_replications = 100,
                     .precision_reached = true,
                     .files = files,
                     .file_count = 2,
                     .scenarios = &sc,
                     .scenario_count = 1};
    cp_buf b;
    cp_buf_init(&b);
    cp_json_manifest(&b, &m);
    assert_false(b.failed);
    assert_non_null(strstr(b.data, "\"command_line\": [\"cpsim\", \"run\", "
                                   "\"a \\\"quoted\\\" path.ini\"]"));
    assert_non_null(strstr(b.data, "\"scenario\": \"[simulation]\\nseed = 1\\n\""));
    assert_non_null(strstr(b.data, "\"seed\": 42,"));
    assert_non_null(strstr(b.data, "\"generator\": \"philox4x64-10 (Random123)\""));
    assert_non_null(strstr(b.data, "\"peak_memory_kib\": 1234,"));
    assert_non_null(strstr(b.data, "\"reached\": true"));
    assert_non_null(strstr(b.data, "\"start_time_utc\": \"2024-01-02T03:04:05Z\""));
    /* No raw newline inside any string: every line ends outside quotes. */
    for (char *line = b.data; line && *line;) {
        char *nl = strchr(line, '\n');
        int quotes = 0;
        for (char *p = line; p < (nl ? nl : line + strlen(line)); p++)
            if (*p == '"' && (p == line || p[-1] != '\\'))
                quotes++;
        assert_int_equal(quotes % 2, 0);
        line = nl ? nl + 1 : NULL;
    }
    cp_buf_fini(&b);
}

/* ---- atomic files ------------------------------------------------------------- */

static void an_atomic_write_leaves_the_file_and_no_temp_file(void **state) {
    (void)state;
    char *dir = make_temp_dir();
    cp_error err;
    assert_int_equal(cp_file_write_atomic(dir, "a.csv", "x,y\n1,2\n", 8, &err), CP_OK);
    char *got = read_file(dir, "a.csv");
    assert_string_equal(got, "x,y\n1,2\n");
    free(got);
    assert_int_equal(hidden_entries(dir), 0);
    /* And it replaces an existing file. */
    assert_int_equal(cp_file_write_atomic(dir, "a.csv", "new\n", 4, &err), CP_OK);
    got = read_file(dir, "a.csv");
    assert_string_equal(got, "new\n");
    free(got);
    assert_int_equal(hidden_entries(dir), 0);
    remove_tree(dir);
    free(dir);
}

static void writing_over_a_directory_fails_with_the_path_and_leaves_no_temp_file(void **state) {
    (void)state;
    char *dir = make_temp_dir();
    char sub[CP_PATH_MAX];
    snprintf(sub, sizeof sub, "%s/summary.csv", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_file_write_atomic(dir, "summary.csv", "a\n", 2, &err), CP_EIO);
    assert_int_equal(err.status, CP_EIO);
    assert_non_null(strstr(err.message, sub));
    assert_non_null(strstr(err.message, strerror(EISDIR)));
    assert_int_equal(hidden_entries(dir), 0);
    remove_tree(dir);
    free(dir);
}

static void writing_into_a_missing_directory_fails_cleanly(void **state) {
    (void)state;
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_file_write_atomic("/nonexistent-cpsim-dir", "a.csv", "a\n", 2, &err),
                     CP_EIO);
    assert_non_null(strstr(err.message, "/nonexistent-cpsim-dir/a.csv"));
    assert_non_null(strstr(err.message, strerror(ENOENT)));
}

/* Lowers the file size limit to `limit` bytes with SIGXFSZ ignored, so a
 * write past it fails with EFBIG; restore_fsize puts things back. */
typedef struct fsize_guard {
    struct rlimit saved;
    void (*saved_handler)(int);
} fsize_guard;

static void limit_fsize(fsize_guard *g, rlim_t limit) {
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &g->saved), 0);
    g->saved_handler = signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = g->saved;
    rl.rlim_cur = limit;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void restore_fsize(const fsize_guard *g) {
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &g->saved), 0);
    signal(SIGXFSZ, g->saved_handler);
}

static void a_write_cut_short_by_the_file_size_limit_never_leaves_a_partial_file(void **state) {
    (void)state;
    char *dir = make_temp_dir();
    write_plain(dir, "runs.csv", "old contents\n");
    size_t len = 64 * 1024;
    char *data = malloc(len);
    assert_non_null(data);
    memset(data, 'z', len);
    cp_error err;
    cp_error_clear(&err);
    fsize_guard g;
    limit_fsize(&g, 1000);
    cp_status st = cp_file_write_atomic(dir, "runs.csv", data, len, &err);
    restore_fsize(&g);
    assert_int_equal(st, CP_EIO);
    assert_non_null(strstr(err.message, "runs.csv"));
    assert_non_null(strstr(err.message, strerror(EFBIG)));
    char *got = read_file(dir, "runs.csv");
    assert_string_equal(got, "old contents\n"); /* untouched */
    free(got);
    assert_int_equal(hidden_entries(dir), 0);
    free(data);
    remove_tree(dir);
    free(dir);
}

static void a_set_of_files_is_replaced_only_when_every_one_was_written(void **state) {
    (void)state;
    char *dir = make_temp_dir();
    write_plain(dir, "a.csv", "old a\n");
    write_plain(dir, "b.csv", "old b\n");
    const char *names[] = {"a.csv", "b.csv"};
    cp_buf bufs[2];
    cp_buf_init(&bufs[0]);
    cp_buf_init(&bufs[1]);
    cp_buf_puts(&bufs[0], "new a\n");
    for (int i = 0; i < 5000; i++)
        cp_buf_puts(&bufs[1], "0123456789");
    cp_error err;
    cp_error_clear(&err);
    fsize_guard g;
    limit_fsize(&g, 1000); /* a fits, b does not */
    cp_status st = cp_files_write_atomic(dir, names, bufs, 2, &err);
    restore_fsize(&g);
    assert_int_equal(st, CP_EIO);
    assert_non_null(strstr(err.message, "b.csv"));
    char *a = read_file(dir, "a.csv");
    char *b = read_file(dir, "b.csv");
    assert_string_equal(a, "old a\n");
    assert_string_equal(b, "old b\n");
    free(a);
    free(b);
    assert_int_equal(hidden_entries(dir), 0);

    /* Without the limit both are replaced. */
    assert_int_equal(cp_files_write_atomic(dir, names, bufs, 2, &err), CP_OK);
    a = read_file(dir, "a.csv");
    assert_string_equal(a, "new a\n");
    free(a);
    assert_int_equal(hidden_entries(dir), 0);
    cp_buf_fini(&bufs[0]);
    cp_buf_fini(&bufs[1]);
    remove_tree(dir);
    free(dir);
}

static void the_output_directory_is_created_when_its_parent_exists(void **state) {
    (void)state;
    char *dir = make_temp_dir();
    char sub[CP_PATH_MAX], deep[CP_PATH_MAX], file[CP_PATH_MAX];
    snprintf(sub, sizeof sub, "%s/out", dir);
    snprintf(deep, sizeof deep, "%s/missing/out", dir);
    snprintf(file, sizeof file, "%s/plain", dir);
    write_plain(dir, "plain", "x");
    cp_error err;
    cp_error_clear(&err);
    assert_int_equal(cp_output_dir_prepare(sub, &err), CP_OK);
    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(cp_output_dir_prepare(sub, &err), CP_OK); /* exists: fine */
    assert_int_equal(cp_output_dir_prepare(deep, &err), CP_EIO);
    assert_non_null(strstr(err.message, deep));
    assert_int_equal(cp_output_dir_prepare(file, &err), CP_EIO);
    assert_non_null(strstr(err.message, strerror(ENOTDIR)));
    remove_tree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_fields_are_quoted_only_when_they_must_be),
        cmocka_unit_test(numbers_are_written_in_the_shortest_form_that_reads_back_exactly),
        cmocka_unit_test(json_strings_escape_quotes_backslashes_and_control_characters),
        cmocka_unit_test(json_numbers_that_are_not_finite_become_null),
        cmocka_unit_test(a_buffer_grows_past_its_first_allocation),
        cmocka_unit_test(summary_csv_has_exactly_the_documented_header),
        cmocka_unit_test(runs_csv_has_one_row_per_replication_with_its_seed),
        cmocka_unit_test(timeseries_csv_is_long_with_the_day_at_each_intervals_end),
        cmocka_unit_test(compare_csv_has_one_row_per_scenario_and_outcome_against_the_baseline),
        cmocka_unit_test(the_manifest_escapes_the_scenario_and_records_the_command_line),
        cmocka_unit_test(an_atomic_write_leaves_the_file_and_no_temp_file),
        cmocka_unit_test(writing_over_a_directory_fails_with_the_path_and_leaves_no_temp_file),
        cmocka_unit_test(writing_into_a_missing_directory_fails_cleanly),
        cmocka_unit_test(a_write_cut_short_by_the_file_size_limit_never_leaves_a_partial_file),
        cmocka_unit_test(a_set_of_files_is_replaced_only_when_every_one_was_written),
        cmocka_unit_test(the_output_directory_is_created_when_its_parent_exists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
