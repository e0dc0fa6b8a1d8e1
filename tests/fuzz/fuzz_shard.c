/* fuzz_shard.c: arbitrary bytes as a sweep shard (shards/NAME.csv).
 *
 * `cpsim merge` reads shards written by other tasks on other machines,
 * possibly truncated by a crash or a full disk, so they are hostile input
 * too. The input is parsed with cp_sweep_results_add into a plan of
 * FUZZ_POINTS x FUZZ_REPS pairs. Properties, beyond no crash/leak/UB:
 * - a shard is accepted or refused as CP_EINPUT with a message naming it;
 * - adding an accepted shard again changes nothing but the duplicate count
 *   (a rerun task's shard is harmless);
 * - what was read writes back (cp_sweep_shard_csv) to a shard that reads
 *   to the same values bit for bit (NaN as NaN): the round-trip number
 *   format the merge's byte-identical results depend on.
 */
#include "fuzz.h"

#include "cpsim/output.h"
#include "cpsim/sweep.h"

#include <stdbool.h>

#define FUZZ_POINTS 8
#define FUZZ_REPS 3

static bool same_bits(double a, double b) {
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return a == b && signbit(a) == signbit(b);
}

int fuzz_shard_one(const uint8_t *data, size_t size) {
    cp_error err;
    cp_error_clear(&err);
    cp_sweep_results *r = cp_sweep_results_create(FUZZ_POINTS, FUZZ_REPS, &err);
    FUZZ_EXPECT(r != NULL, "cannot create results: %s", err.message);
    cp_status st = cp_sweep_results_add(r, "fuzz.csv", (const char *)data, size, &err);
    FUZZ_EXPECT(st == CP_OK || st == CP_EINPUT, "status %d: %s", (int)st, err.message);
    if (st != CP_OK) {
        FUZZ_EXPECT(strstr(err.message, "fuzz.csv") != NULL, "message without the shard: %s",
                    err.message);
        cp_sweep_results_destroy(r);
        return 0;
    }
    const size_t pairs = (size_t)FUZZ_POINTS * FUZZ_REPS;
    size_t present = r->present_count;
    FUZZ_EXPECT(present <= pairs, "%zu pairs present of %zu", present, pairs);

    st = cp_sweep_results_add(r, "again.csv", (const char *)data, size, &err);
    FUZZ_EXPECT(st == CP_OK, "the same shard twice is refused: %s", err.message);
    FUZZ_EXPECT(r->present_count == present, "a repeated shard added pairs");

    /* Write what was read, read it into fresh results, compare. */
    size_t ids[FUZZ_POINTS * FUZZ_REPS];
    double values[FUZZ_POINTS * FUZZ_REPS * CP_OUTCOME_COUNT];
    size_t count = 0;
    for (size_t pair = 0; pair < pairs; pair++) {
        if (!r->present[pair])
            continue;
        ids[count] = pair;
        memcpy(&values[count * CP_OUTCOME_COUNT], &r->values[pair * CP_OUTCOME_COUNT],
               sizeof(double) * CP_OUTCOME_COUNT);
        count++;
    }
    FUZZ_EXPECT(count == present, "present_count %zu but %zu flags", present, count);
    cp_buf b;
    cp_buf_init(&b);
    cp_sweep_shard_csv(&b, FUZZ_REPS, ids, values, count);
    FUZZ_EXPECT(!b.failed, "out of memory writing a shard");
    cp_sweep_results *back = cp_sweep_results_create(FUZZ_POINTS, FUZZ_REPS, &err);
    FUZZ_EXPECT(back != NULL, "cannot create results: %s", err.message);
    st = cp_sweep_results_add(back, "written.csv", b.data, b.len, &err);
    FUZZ_EXPECT(st == CP_OK, "a shard we wrote does not read back: %s", err.message);
    FUZZ_EXPECT(back->present_count == present, "read back %zu pairs of %zu", back->present_count,
                present);
    for (size_t i = 0; i < pairs * CP_OUTCOME_COUNT; i++)
        if (r->present[i / CP_OUTCOME_COUNT])
            FUZZ_EXPECT(same_bits(r->values[i], back->values[i]),
                        "value %zu read %.17g, written and read back %.17g", i, r->values[i],
                        back->values[i]);

    cp_buf text;
    cp_buf_init(&text);
    cp_sweep_results_missing_text(r, 5, &text);
    FUZZ_EXPECT(!text.failed, "out of memory");
    double means[FUZZ_POINTS];
    cp_sweep_results_point_means(r, 0, means);
    cp_buf_fini(&text);
    cp_buf_fini(&b);
    cp_sweep_results_destroy(back);
    cp_sweep_results_destroy(r);
    return 0;
}

#ifdef CPSIM_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_shard_one(data, size);
}
#endif
