/* shard.c: shard files, the merge of shards into one table, and the merged
 * outputs runs.csv and summary.csv (contract in cpsim/sweep.h).
 *
 * Results live in one dense array indexed by pair number, with a presence
 * flag and the shard each pair first came from. Dense rather than a hash
 * map: a plan has a known, bounded number of pairs, a missing pair is then
 * a zero flag that costs nothing to find, and the merged output is the array
 * read in order, so shard order cannot leak into it.
 *
 * Duplicates. A pair can legitimately appear twice: a task rerun after its
 * final shard was written but before its checkpoints were removed, or the
 * same points run under two different task splits, or one share run by two
 * processes at once (sweep_run.c). Pairs are deterministic
 * (fixed by point, replication and seed), so such repeats carry identical
 * numbers; they are counted and dropped. A repeat with different numbers
 * means two different plans or builds wrote into one folder, and is an
 * error that names both shards: averaging them would hide it.
 *
 * Reading a folder that a running task is folding (sweep_run.c: it writes
 * STEM.csv, then removes the checkpoints STEM.part-N.csv it read):
 * checkpoints are read before shards, and a checkpoint gone by the time it
 * is opened is skipped, its STEM.csv then read after it. That STEM.csv was
 * written before the checkpoint was removed and only grows, so every pair
 * is found, in whichever file holds it now.
 *
 * Parsing is strict (exact header, whole numbers for ids, every field a
 * number, NA or +-Inf, a final newline) because every shard on disk was
 * written whole by cpsim: anything else is damage, not a dialect.
 */
#include "cpsim/sweep.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cp_sweep_results *results_create(size_t points, size_t replications, bool keep_values,
                                        cp_error *err) {
    if (points == 0 || replications == 0 || points > SIZE_MAX / replications ||
        points * replications > SIZE_MAX / (CP_OUTCOME_COUNT * sizeof(double))) {
        cp_error_set(err, CP_EINPUT, "a sweep of %zu points x %zu replications is too large",
                     points, replications);
        return NULL;
    }
    size_t pairs = points * replications;
    cp_sweep_results *r = calloc(1, sizeof *r);
    if (r) {
        r->points = points;
        r->replications = replications;
        if (keep_values)
            r->values = malloc(pairs * CP_OUTCOME_COUNT * sizeof *r->values);
        r->present = calloc(pairs, sizeof *r->present);
        r->source = calloc(pairs, sizeof *r->source);
    }
    if (!r || (keep_values && !r->values) || !r->present || !r->source) {
        cp_sweep_results_destroy(r);
        cp_error_set(err, CP_ENOMEM, "out of memory for %zu points x %zu replications", points,
                     replications);
        return NULL;
    }
    return r;
}

cp_sweep_results *cp_sweep_results_create(size_t points, size_t replications, cp_error *err) {
    return results_create(points, replications, true, err);
}

cp_sweep_results *cp_sweep_results_create_index(size_t points, size_t replications, cp_error *err) {
    return results_create(points, replications, false, err);
}

void cp_sweep_results_destroy(cp_sweep_results *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->name_count; i++)
        free(r->names[i]);
    free(r->names);
    free(r->values);
    free(r->present);
    free(r->source);
    free(r);
}

static void shard_header(cp_buf *b) {
    cp_buf_puts(b, "point_id,replication");
    for (int k = 0; k < CP_OUTCOME_COUNT; k++) {
        cp_buf_puts(b, ",");
        cp_buf_puts(b, cp_outcome_info_get((cp_outcome_id)k)->name);
    }
    cp_buf_puts(b, "\n");
}

void cp_sweep_shard_csv(cp_buf *b, size_t replications, const size_t *pairs, const double *values,
                        size_t count) {
    shard_header(b);
    for (size_t i = 0; i < count; i++) {
        cp_buf_printf(b, "%zu,%zu", pairs[i] / replications, pairs[i] % replications);
        for (int k = 0; k < CP_OUTCOME_COUNT; k++) {
            cp_buf_puts(b, ",");
            cp_format_number(b, values[i * CP_OUTCOME_COUNT + (size_t)k]);
        }
        cp_buf_puts(b, "\n");
    }
}

static bool parse_index(const char *s, const char *end, size_t *out) {
    if (s == end || end - s > 19)
        return false;
    size_t v = 0;
    for (const char *c = s; c < end; c++) {
        if (*c < '0' || *c > '9')
            return false;
        v = v * 10 + (size_t)(*c - '0');
    }
    *out = v;
    return true;
}

static bool parse_number(const char *s, const char *end, double *out) {
    size_t n = (size_t)(end - s);
    if (n == 2 && memcmp(s, "NA", 2) == 0) {
        *out = NAN;
        return true;
    }
    if (n == 3 && memcmp(s, "Inf", 3) == 0) {
        *out = INFINITY;
        return true;
    }
    if (n == 4 && memcmp(s, "-Inf", 4) == 0) {
        *out = -INFINITY;
        return true;
    }
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *stop;
    errno = 0;
    double x = strtod(buf, &stop);
    if (*stop || !isfinite(x))
        return false;
    *out = x;
    return true;
}

/* Same numbers, bit for bit (NaN equals NaN: both were written as NA). */
static bool same_values(const double *a, const double *b) {
    for (size_t k = 0; k < CP_OUTCOME_COUNT; k++) {
        if (isnan(a[k]) && isnan(b[k]))
            continue;
        if (a[k] != b[k] || signbit(a[k]) != signbit(b[k]))
            return false;
    }
    return true;
}

static cp_status remember_name(cp_sweep_results *r, const char *name, cp_error *err) {
    if (r->name_count == r->name_capacity) {
        size_t cap = r->name_capacity ? r->name_capacity * 2 : 16;
        char **grown = realloc(r->names, cap * sizeof *grown);
        if (!grown)
            return cp_error_set(err, CP_ENOMEM, "out of memory reading shards");
        r->names = grown;
        r->name_capacity = cap;
    }
    if (r->name_count >= UINT32_MAX)
        return cp_error_set(err, CP_EINPUT, "more than %u shards", UINT32_MAX);
    r->names[r->name_count] = strdup(name);
    if (!r->names[r->name_count])
        return cp_error_set(err, CP_ENOMEM, "out of memory reading shards");
    r->name_count++;
    return CP_OK;
}

cp_status cp_sweep_results_add(cp_sweep_results *r, const char *name, const char *text, size_t len,
                               cp_error *err) {
    cp_buf header;
    cp_buf_init(&header);
    shard_header(&header);
    if (header.failed) {
        cp_buf_fini(&header);
        return cp_error_set(err, CP_ENOMEM, "out of memory reading %s", name);
    }
    bool header_ok = len >= header.len && memcmp(text, header.data, header.len) == 0;
    size_t header_len = header.len;
    cp_buf_fini(&header);
    if (!header_ok)
        return cp_error_set(err, CP_EINPUT,
                            "%s:1: not a shard of this cpsim: the header must be point_id, "
                            "replication and every outcome name in order",
                            name);
    cp_status st = remember_name(r, name, err);
    if (st != CP_OK)
        return st;
    uint32_t source = (uint32_t)(r->name_count - 1);
    const size_t pairs = r->points * r->replications;
    double row[CP_OUTCOME_COUNT];
    const char *p = text + header_len;
    const char *end = text + len;
    for (int line = 2; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            return cp_error_set(err, CP_EINPUT,
                                "%s:%d: the last row has no line end (a "
                                "truncated file?)",
                                name, line);
        /* Fields: point_id, replication, then CP_OUTCOME_COUNT numbers. */
        size_t ids[2];
        size_t field = 0;
        const char *f = p;
        bool ok = true;
        while (ok) {
            const char *comma = memchr(f, ',', (size_t)(eol - f));
            const char *stop = comma ? comma : eol;
            if (field < 2)
                ok = parse_index(f, stop, &ids[field]);
            else if (field - 2 < CP_OUTCOME_COUNT)
                ok = parse_number(f, stop, &row[field - 2]);
            else
                ok = false;
            field++;
            if (!comma)
                break;
            f = comma + 1;
        }
        if (!ok || field != 2 + CP_OUTCOME_COUNT)
            return cp_error_set(err, CP_EINPUT,
                                "%s:%d: malformed row (want point_id, replication and %d numbers)",
                                name, line, CP_OUTCOME_COUNT);
        if (ids[0] >= r->points || ids[1] >= r->replications)
            return cp_error_set(err, CP_EINPUT,
                                "%s:%d: point %zu replication %zu is outside the plan (%zu points "
                                "x %zu replications): a shard of another plan?",
                                name, line, ids[0], ids[1], r->points, r->replications);
        size_t pair = ids[0] * r->replications + ids[1];
        CP_ASSERT(pair < pairs);
        double *slot = r->values ? r->values + pair * CP_OUTCOME_COUNT : NULL;
        if (r->present[pair]) {
            if (slot && !same_values(slot, row))
                return cp_error_set(err, CP_EINPUT,
                                    "%s:%d: point %zu replication %zu differs from the same pair "
                                    "in %s: these shards come from different plans or builds; "
                                    "remove the wrong ones",
                                    name, line, ids[0], ids[1], r->names[r->source[pair]]);
            r->duplicates++;
        } else {
            if (slot)
                memcpy(slot, row, sizeof row);
            r->present[pair] = 1;
            r->source[pair] = source;
            r->present_count++;
        }
        p = eol + 1;
    }
    return CP_OK;
}

/* Length of STEM when name is a checkpoint "STEM.part-N.csv", else 0. */
static size_t part_stem_length(const char *name) {
    size_t n = strlen(name);
    if (n < 4 || strcmp(name + n - 4, ".csv") != 0)
        return 0;
    size_t d = n - 4; /* digits end here */
    size_t start = d;
    while (start > 0 && name[start - 1] >= '0' && name[start - 1] <= '9')
        start--;
    if (start == d || start < 6 || strncmp(name + start - 6, ".part-", 6) != 0)
        return 0;
    return start - 6;
}

/* Checkpoints first, then every other shard; by name within each. */
static int compare_names(const void *a, const void *b) {
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    bool px = part_stem_length(x) > 0, py = part_stem_length(y) > 0;
    if (px != py)
        return px ? -1 : 1;
    return strcmp(x, y);
}

/* Reads a whole file. *vanished (when not NULL) is set, and CP_OK returned
 * with *out NULL, when the file is not there. */
static cp_status read_file(const char *path, char **out, size_t *len, bool *vanished,
                           cp_error *err) {
    *out = NULL;
    if (vanished)
        *vanished = false;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (vanished && errno == ENOENT) {
            *vanished = true;
            return CP_OK;
        }
        return cp_error_set(err, CP_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return cp_error_set(err, CP_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    long size = ftell(f);
    rewind(f);
    if (size < 0) {
        fclose(f);
        return cp_error_set(err, CP_EIO, "cannot read %s: %s", path, strerror(errno));
    }
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        fclose(f);
        return cp_error_set(err, CP_ENOMEM, "out of memory reading %s", path);
    }
    size_t got = fread(buf, 1, (size_t)size, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != (size_t)size) {
        free(buf);
        return cp_error_set(err, CP_EIO, "cannot read %s: short read", path);
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return CP_OK;
}

static cp_status push_name(char ***names, size_t *count, size_t *cap, const char *name,
                           const char *shard_dir, cp_error *err) {
    if (*count == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 64;
        char **grown = realloc(*names, grown_cap * sizeof *grown);
        if (!grown)
            return cp_error_set(err, CP_ENOMEM, "out of memory listing %s", shard_dir);
        *names = grown;
        *cap = grown_cap;
    }
    (*names)[*count] = strdup(name);
    if (!(*names)[*count])
        return cp_error_set(err, CP_ENOMEM, "out of memory listing %s", shard_dir);
    (*count)++;
    return CP_OK;
}

/* Another process may be folding a task's checkpoints into its shard while
 * we read (sweep_run.c): it writes STEM.csv, then removes the checkpoints
 * it read. So checkpoints are read first, and one that is gone by the time
 * we open it is skipped, with STEM.csv read after it (added to the list if
 * the listing came too early to see it): that STEM.csv is the one written
 * before the checkpoint was removed, or a later one, which only grows. The
 * pairs are then all found, in whichever file holds them now. */
cp_status cp_sweep_results_load(cp_sweep_results *r, const char *shard_dir, cp_error *err) {
    DIR *d = opendir(shard_dir);
    if (!d) {
        if (errno == ENOENT)
            return CP_OK;
        return cp_error_set(err, CP_EIO, "cannot read %s: %s", shard_dir, strerror(errno));
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    cp_status st = CP_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        /* Hidden names are temp files of an atomic write in progress. */
        if (e->d_name[0] == '.' || n < 5 || strcmp(e->d_name + n - 4, ".csv") != 0)
            continue;
        st = push_name(&names, &count, &cap, e->d_name, shard_dir, err);
        if (st != CP_OK)
            break;
    }
    closedir(d);
    if (st == CP_OK && count > 1)
        qsort(names, count, sizeof *names, compare_names);
    /* Names from `listed` on were added when a checkpoint vanished. */
    const size_t listed = count;
    for (size_t i = 0; i < count && st == CP_OK; i++) {
        char path[CP_PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", shard_dir, names[i]) >= sizeof path) {
            st = cp_error_set(err, CP_EINPUT, "path too long: %s/%s", shard_dir, names[i]);
            break;
        }
        size_t stem = part_stem_length(names[i]);
        /* A listed task shard that is gone was removed by hand (cpsim never
         * removes one): an error, as before. An added one may be gone for
         * the same reason; its pairs are then missing, which merge names
         * and a sweep reruns. */
        bool may_vanish = stem > 0 || i >= listed;
        char *text = NULL;
        size_t len = 0;
        bool vanished = false;
        st = read_file(path, &text, &len, may_vanish ? &vanished : NULL, err);
        if (st != CP_OK)
            break;
        if (!vanished) {
            st = cp_sweep_results_add(r, path, text, len, err);
            free(text);
            continue;
        }
        if (stem == 0)
            continue;
        /* Folded away: make sure STEM.csv is read after it. */
        char final_name[CP_PATH_MAX];
        snprintf(final_name, sizeof final_name, "%.*s.csv", (int)stem, names[i]);
        bool known = false;
        for (size_t j = 0; j < count && !known; j++)
            known = strcmp(names[j], final_name) == 0;
        if (!known)
            st = push_name(&names, &count, &cap, final_name, shard_dir, err);
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return st;
}

size_t cp_sweep_results_missing(const cp_sweep_results *r, size_t first, size_t end) {
    size_t missing = 0;
    for (size_t pair = first; pair < end; pair++)
        missing += !r->present[pair];
    return missing;
}

void cp_sweep_results_missing_text(const cp_sweep_results *r, size_t max_items, cp_buf *b) {
    const size_t R = r->replications;
    size_t items = 0, left_points = 0;
    size_t point = 0;
    while (point < r->points) {
        size_t gone = cp_sweep_results_missing(r, point * R, (point + 1) * R);
        if (gone == 0) {
            point++;
            continue;
        }
        if (items == max_items) {
            left_points++;
            point++;
            continue;
        }
        if (items > 0)
            cp_buf_puts(b, ", ");
        items++;
        if (gone == R) {
            /* A run of points with every replication missing: one item. */
            size_t last = point;
            while (last + 1 < r->points &&
                   cp_sweep_results_missing(r, (last + 1) * R, (last + 2) * R) == R)
                last++;
            if (last == point)
                cp_buf_printf(b, "point %zu (all reps)", point);
            else
                cp_buf_printf(b, "points %zu-%zu (all reps)", point, last);
            point = last + 1;
            continue;
        }
        cp_buf_printf(b, "point %zu rep%s ", point, gone > 1 ? "s" : "");
        bool first_range = true;
        for (size_t rep = 0; rep < R; rep++) {
            if (r->present[point * R + rep])
                continue;
            size_t last = rep;
            while (last + 1 < R && !r->present[point * R + last + 1])
                last++;
            cp_buf_puts(b, first_range ? "" : ",");
            first_range = false;
            if (last == rep)
                cp_buf_printf(b, "%zu", rep);
            else
                cp_buf_printf(b, "%zu-%zu", rep, last);
            rep = last;
        }
        point++;
    }
    if (left_points > 0)
        cp_buf_printf(b, ", and %zu more point%s", left_points, left_points > 1 ? "s" : "");
}

void cp_sweep_results_point_means(const cp_sweep_results *r, int outcome, double *means) {
    CP_ASSERT(outcome >= 0 && outcome < CP_OUTCOME_COUNT && r->values);
    for (size_t point = 0; point < r->points; point++) {
        double sum = 0;
        size_t n = 0;
        for (size_t rep = 0; rep < r->replications; rep++) {
            size_t pair = point * r->replications + rep;
            double v = r->values[pair * CP_OUTCOME_COUNT + (size_t)outcome];
            if (r->present[pair] && isfinite(v)) {
                sum += v;
                n++;
            }
        }
        means[point] = n ? sum / (double)n : (double)NAN;
    }
}

cp_status cp_sweep_merge_write(const cp_sweep *sw, const cp_sweep_results *r, const char *dir,
                               cp_error *err) {
    CP_ASSERT(r->points == sw->point_count && r->replications == sw->replications && r->values);
    const size_t R = r->replications, k = sw->param_count;
    if (cp_sweep_results_missing(r, 0, r->points * R) > 0)
        return cp_error_set(err, CP_EINPUT, "cannot merge an incomplete sweep");
    cp_buf bufs[2];
    cp_buf_init(&bufs[0]);
    cp_buf_init(&bufs[1]);
    cp_buf *runs = &bufs[0], *summary = &bufs[1];

    cp_buf_puts(runs, "point_id,replication");
    for (size_t j = 0; j < k; j++) {
        cp_buf_puts(runs, ",");
        cp_csv_field(runs, sw->params[j].name);
    }
    for (int o = 0; o < CP_OUTCOME_COUNT; o++) {
        cp_buf_puts(runs, ",");
        cp_buf_puts(runs, cp_outcome_info_get((cp_outcome_id)o)->name);
    }
    cp_buf_puts(runs, "\n");
    for (size_t point = 0; point < r->points; point++) {
        for (size_t rep = 0; rep < R; rep++) {
            cp_buf_printf(runs, "%zu,%zu", point, rep);
            for (size_t j = 0; j < k; j++) {
                cp_buf_puts(runs, ",");
                cp_format_number(runs, sw->values[point * k + j]);
            }
            const double *v = r->values + (point * R + rep) * CP_OUTCOME_COUNT;
            for (size_t o = 0; o < CP_OUTCOME_COUNT; o++) {
                cp_buf_puts(runs, ",");
                cp_format_number(runs, v[o]);
            }
            cp_buf_puts(runs, "\n");
        }
    }

    double *scratch = malloc(CP_STATS_SCRATCH(R) * sizeof *scratch);
    if (!scratch) {
        cp_buf_fini(runs);
        cp_buf_fini(summary);
        return cp_error_set(err, CP_ENOMEM, "out of memory writing the summary");
    }
    cp_buf_puts(summary, "point_id,outcome,n,mean,sd,ci_low,ci_high,median,p5,p95\n");
    for (size_t point = 0; point < r->points; point++) {
        const double *base = r->values + point * R * CP_OUTCOME_COUNT;
        for (size_t o = 0; o < CP_OUTCOME_COUNT; o++) {
            cp_summary s;
            cp_stats_summarise(base + o, R, CP_OUTCOME_COUNT, scratch, &s);
            cp_buf_printf(summary, "%zu,%s,%zu", point, cp_outcome_info_get((cp_outcome_id)o)->name,
                          s.n);
            const double stats[] = {s.mean, s.sd, s.ci_low, s.ci_high, s.median, s.p5, s.p95};
            for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
                cp_buf_puts(summary, ",");
                cp_format_number(summary, stats[i]);
            }
            cp_buf_puts(summary, "\n");
        }
    }
    free(scratch);
    cp_status st;
    if (runs->failed || summary->failed) {
        st = cp_error_set(err, CP_ENOMEM, "out of memory writing the merged results");
    } else {
        const char *names[2] = {"runs.csv", "summary.csv"};
        st = cp_files_write_atomic(dir, names, bufs, 2, err);
    }
    cp_buf_fini(runs);
    cp_buf_fini(summary);
    return st;
}
