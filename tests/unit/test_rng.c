/* test_rng.c: unit tests of the random streams (include/cpsim/rng.h).
 *
 * Two kinds of check. Exact ones: reproducibility, distinctness of streams
 * that differ in any of (seed, replication, stream id) including bits above
 * 32, the ranges gsl_rng_get and gsl_rng_uniform promise, the Philox layout
 * the header documents, and the SplitMix64 mixer. Statistical ones: each
 * compares a statistic with its sampling distribution under the hypothesis
 * "the stream is i.i.d. with the intended law", with an acceptance region
 * DERIVED from that distribution at a stated false-alarm probability (always
 * 1e-6 per check here), never tuned to the observed value. All seeds are
 * fixed, so a run either always passes or always fails; the false-alarm
 * probability is the chance that a correct generator would land on a seed
 * that fails, which is why it is set so small.
 */
#include "cpsim/rng.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* After setjmp.h, stdarg.h and stddef.h, which cmocka.h needs first. */
#include <cmocka.h>

#if defined(__has_include)
#if __has_include(<Random123/philox.h>)
#include <Random123/philox.h>
#define TEST_HAVE_RANDOM123 1
#endif
#endif
#ifndef TEST_HAVE_RANDOM123
#define TEST_HAVE_RANDOM123 0
#endif

/* The false-alarm probability every statistical test here accepts. */
#define FALSE_ALARM 1e-6

enum { DRAWS = 1000 };

static gsl_rng *stream(uint64_t seed, uint64_t replication, uint32_t id) {
    cp_error err;
    cp_error_clear(&err);
    gsl_rng *r = cp_rng_stream_create(seed, replication, id, &err);
    assert_non_null(r);
    assert_int_equal(err.status, CP_OK);
    return r;
}

static void first_draws(uint64_t seed, uint64_t replication, uint32_t id, uint64_t *out) {
    gsl_rng *r = stream(seed, replication, id);
    for (int i = 0; i < DRAWS; i++)
        out[i] = cp_rng_next_u64(r);
    gsl_rng_free(r);
}

static int compare_u64(const void *pa, const void *pb) {
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : (a > b ? 1 : 0);
}

/* True when the two sets of DRAWS words share no value at all. For streams
 * that never share a Philox block this holds except with probability about
 * DRAWS^2 / 2^64 (< 1e-13): a shared value would mean overlapping streams. */
static bool disjoint(const uint64_t *a, const uint64_t *b) {
    uint64_t sa[DRAWS], sb[DRAWS];
    memcpy(sa, a, sizeof sa);
    memcpy(sb, b, sizeof sb);
    qsort(sa, DRAWS, sizeof sa[0], compare_u64);
    qsort(sb, DRAWS, sizeof sb[0], compare_u64);
    size_t i = 0, j = 0;
    while (i < DRAWS && j < DRAWS) {
        if (sa[i] == sb[j])
            return false;
        if (sa[i] < sb[j])
            i++;
        else
            j++;
    }
    return true;
}

/* ---- exact properties ------------------------------------------------------ */

static void the_same_seed_replication_and_stream_give_the_same_first_1000_draws(void **state) {
    (void)state;
    uint64_t a[DRAWS], b[DRAWS];
    first_draws(UINT64_C(0x0123456789abcdef), 17, 4, a);
    first_draws(UINT64_C(0x0123456789abcdef), 17, 4, b);
    assert_memory_equal(a, b, sizeof a);

    /* Through the gsl_rng interface too, with the 32-bit halves, doubles and a
     * distribution interleaved the same way on both. */
    gsl_rng *x = stream(99, 3, 1), *y = stream(99, 3, 1);
    for (int i = 0; i < DRAWS; i++) {
        assert_int_equal(gsl_rng_get(x), gsl_rng_get(y));
        assert_true(gsl_rng_uniform(x) == gsl_rng_uniform(y));
        assert_true(gsl_ran_exponential(x, 2.0) == gsl_ran_exponential(y, 2.0));
    }
    gsl_rng_free(x);
    gsl_rng_free(y);
}

static void reseeding_an_existing_stream_replays_it_from_the_start(void **state) {
    (void)state;
    uint64_t a[DRAWS];
    first_draws(5, 6, 7, a);
    gsl_rng *r = stream(1, 1, 1);
    for (int i = 0; i < 123; i++)
        (void)gsl_rng_get(r); /* leaves a spare half behind: must be dropped */
    cp_rng_stream_seed(r, 5, 6, 7);
    for (int i = 0; i < DRAWS; i++)
        assert_true(cp_rng_next_u64(r) == a[i]);
    gsl_rng_free(r);
}

static void a_cloned_stream_continues_identically(void **state) {
    (void)state;
    gsl_rng *r = stream(11, 12, 13);
    for (int i = 0; i < 37; i++)
        (void)gsl_rng_get(r); /* odd count: the clone must carry the spare half */
    gsl_rng *c = gsl_rng_clone(r);
    assert_non_null(c);
    for (int i = 0; i < DRAWS; i++)
        assert_int_equal(gsl_rng_get(r), gsl_rng_get(c));
    gsl_rng_free(c);
    gsl_rng_free(r);
}

/* The inlined draws the model uses are the generator's own: the same numbers
 * as gsl_rng_uniform and gsl_ran_exponential, and the same steps along the
 * stream, also when 32-bit draws through gsl_rng_get leave a spare half. */
static void inline_draws_equal_the_gsl_draws_step_for_step(void **state) {
    (void)state;
    gsl_rng *fast = stream(2024, 7, 3), *gsl = stream(2024, 7, 3);
    for (int i = 0; i < 100000; i++) {
        /* a 32-bit draw leaves a spare half, which outlives the doubles
         * drawn after it */
        switch (i % 4) {
        case 1:
            assert_true(cp_rng_uniform(fast) == gsl_rng_uniform(gsl));
            break;
        case 3:
            assert_true(cp_rng_exponential(fast, 2.5) == gsl_ran_exponential(gsl, 2.5));
            break;
        default:
            assert_int_equal(gsl_rng_get(fast), gsl_rng_get(gsl));
        }
    }
    assert_true(cp_rng_next_u64(fast) == cp_rng_next_u64(gsl));
    gsl_rng_free(fast);
    gsl_rng_free(gsl);
}

static void gsl_rng_set_is_stream_zero_of_replication_zero(void **state) {
    (void)state;
    uint64_t a[DRAWS];
    first_draws(424242, 0, 0, a);
    gsl_rng *r = gsl_rng_alloc(cp_rng_philox4x64);
    assert_non_null(r);
    gsl_rng_set(r, 424242);
    for (int i = 0; i < DRAWS; i++)
        assert_true(cp_rng_next_u64(r) == a[i]);
    gsl_rng_free(r);
}

static void different_replications_give_different_draws(void **state) {
    (void)state;
    uint64_t a[DRAWS], b[DRAWS], c[DRAWS];
    first_draws(2024, 0, 0, a);
    first_draws(2024, 1, 0, b);
    first_draws(2024, UINT64_C(1) << 40, 0, c); /* differs only above bit 32 */
    assert_true(disjoint(a, b));
    assert_true(disjoint(a, c));
    assert_true(disjoint(b, c));
}

static void different_streams_give_different_draws(void **state) {
    (void)state;
    uint64_t a[DRAWS], b[DRAWS], c[DRAWS];
    first_draws(2024, 5, 0, a);
    first_draws(2024, 5, 1, b);
    first_draws(2024, 5, UINT32_C(0x80000000), c);
    assert_true(disjoint(a, b));
    assert_true(disjoint(a, c));
    assert_true(disjoint(b, c));
}

static void seeds_differing_only_above_bit_32_give_different_draws(void **state) {
    (void)state;
    /* gsl_rng_set would truncate these to the same 32-bit seed on some
     * platforms; the stream key keeps all 64 bits. */
    uint64_t a[DRAWS], b[DRAWS], c[DRAWS];
    first_draws(1, 0, 0, a);
    first_draws(1 + (UINT64_C(1) << 32), 0, 0, b);
    first_draws(1 + (UINT64_C(1) << 63), 0, 0, c);
    assert_true(disjoint(a, b));
    assert_true(disjoint(a, c));
    assert_true(disjoint(b, c));
}

static void the_stream_layout_is_philox_keyed_by_seed_and_replication(void **state) {
    (void)state;
#if TEST_HAVE_RANDOM123
    /* The header's promise, checked against Random123 itself: key = (seed,
     * replication), stream id in counter word 3, and the block counter in
     * word 0 starting at 1. Outputs recorded in golden files depend on this
     * layout, so changing it must be a deliberate act. */
    const uint64_t seed = UINT64_C(0xfeedfacecafebeef), rep = 77;
    const uint32_t id = 9;
    gsl_rng *r = stream(seed, rep, id);
    for (uint64_t block = 1; block <= 3; block++) {
        philox4x64_ctr_t ctr = {{block, 0, 0, id}};
        philox4x64_key_t key = {{seed, rep}};
        philox4x64_ctr_t out = philox4x64(ctr, key);
        for (int w = 0; w < 4; w++)
            assert_true(cp_rng_next_u64(r) == out.v[w]);
    }
    gsl_rng_free(r);
#else
    skip();
#endif
}

static void gsl_rng_get_stays_within_32_bits_and_uses_all_of_them(void **state) {
    (void)state;
    gsl_rng *r = stream(31337, 0, 2);
    assert_int_equal(gsl_rng_min(r), 0);
    assert_int_equal(gsl_rng_max(r), UINT32_MAX);
    unsigned long seen = 0;
    for (int i = 0; i < 1000000; i++) {
        unsigned long v = gsl_rng_get(r);
        assert_true(v <= UINT32_MAX);
        seen |= v;
    }
    /* Every bit was set at least once: a bit stuck at 0 in a million draws
     * has probability 32 * 2^-1000000 under a correct generator. */
    assert_int_equal(seen, UINT32_MAX);
    gsl_rng_free(r);
}

static void gsl_rng_uniform_lies_in_zero_to_one_excluding_one(void **state) {
    (void)state;
    gsl_rng *r = stream(8, 0, 3);
    double lo = 1.0, hi = 0.0;
    for (int i = 0; i < 1000000; i++) {
        double u = gsl_rng_uniform(r);
        assert_true(u >= 0.0 && u < 1.0);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    /* The whole range is reached, which catches a scaling bug (say values in
     * [0, 1/2)). A correct generator fails each bound with probability
     * (1 - 1e-4)^(10^6) = e^-100. */
    assert_true(lo < 1e-4 && hi > 1.0 - 1e-4);
    /* 53-bit resolution: the values are multiples of 2^-53. */
    for (int i = 0; i < 1000; i++) {
        double u = gsl_rng_uniform(r) * 0x1.0p53;
        assert_true(u == floor(u));
    }
    gsl_rng_free(r);
}

static void mix64_matches_splitmix64_and_has_no_collisions_on_consecutive_inputs(void **state) {
    (void)state;
    /* The first output of the reference SplitMix64 (Vigna) from state 0. */
    assert_true(cp_rng_mix64(0) == UINT64_C(0xe220a8397b1dcdaf));

    /* mix64 is a bijection (each step is invertible), so consecutive inputs
     * can never collide; a collision would reveal a broken step. Two runs:
     * from 0, and across the signed-overflow boundary 2^63. */
    enum { N = 100000 };
    uint64_t *v = malloc(N * sizeof *v);
    assert_non_null(v);
    const uint64_t starts[2] = {0, (UINT64_C(1) << 63) - N / 2};
    for (int s = 0; s < 2; s++) {
        for (uint64_t i = 0; i < N; i++)
            v[i] = cp_rng_mix64(starts[s] + i);
        qsort(v, N, sizeof v[0], compare_u64);
        for (size_t i = 1; i < N; i++)
            assert_true(v[i] != v[i - 1]);
    }
    free(v);
}

/* ---- distributions --------------------------------------------------------- */

static void the_mean_of_uniforms_is_one_half_within_a_derived_tolerance(void **state) {
    (void)state;
    /* Mean of n U(0,1): mean 1/2, variance 1/(12 n). Accept |mean - 1/2| <=
     * z sqrt(1/(12 n)) with z the two-sided normal quantile at FALSE_ALARM
     * (z = 4.89). At n = 10^6 the CLT is very accurate, and the tails of a
     * bounded variable's mean are lighter than the normal's, so the real false
     * alarm probability is at most 1e-6. */
    const int n = 1000000;
    gsl_rng *r = stream(101, 0, 0);
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += gsl_rng_uniform(r);
    double mean = sum / n;
    double z = gsl_cdf_ugaussian_Qinv(FALSE_ALARM / 2.0);
    double tolerance = z * sqrt(1.0 / 12.0 / n);
    assert_true(z > 4.8 && z < 5.0);
    assert_true(fabs(mean - 0.5) <= tolerance);
    gsl_rng_free(r);
}

/* Quantiles of Gamma(shape, scale) at a small tail probability p (< 1/2):
 * the x with P(X <= x) = p (lower) or P(X > x) = p (upper), by bisection on
 * GSL's cdf. Why not gsl_cdf_gamma_Pinv/Qinv: in GSL 2.7 they fail at shape
 * 10^6 (NaN, or a wrong value near 0.58 times the mean), while
 * gsl_cdf_gamma_P/Q stay accurate there. Each tail is computed by its own
 * function, so a tiny p is matched without cancellation. */
static double gamma_tail_quantile(double p, bool lower, double shape, double scale) {
    double lo = 0.0, hi = shape * scale; /* the mean: both tails there are ~1/2 > p */
    while (gsl_cdf_gamma_Q(hi, shape, scale) > p)
        hi *= 2.0; /* now the upper quantile is below hi too */
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        bool left_of_quantile =
            lower ? gsl_cdf_gamma_P(mid, shape, scale) < p : gsl_cdf_gamma_Q(mid, shape, scale) > p;
        if (left_of_quantile)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

static void the_mean_of_exponentials_matches_within_exact_gamma_bounds(void **state) {
    (void)state;
    /* The sum of n i.i.d. exponentials with mean m is Gamma(n, m) exactly, so
     * the sample mean is Gamma(shape n, scale m / n). Accept it between that
     * law's FALSE_ALARM/2 and 1 - FALSE_ALARM/2 quantiles: an exact two-sided
     * test, no normal approximation. */
    const int n = 1000000;
    const double m = 2.5;
    gsl_rng *r = stream(202, 0, 1);
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        double x = gsl_ran_exponential(r, m);
        assert_true(x >= 0.0);
        sum += x;
    }
    double mean = sum / n;
    double lo = gamma_tail_quantile(FALSE_ALARM / 2.0, true, n, m / n);
    double hi = gamma_tail_quantile(FALSE_ALARM / 2.0, false, n, m / n);
    /* Sanity of the bounds themselves: about m (1 +- 4.9 / sqrt(n)). */
    assert_true(lo < m && hi > m && hi - lo < 2.0 * 5.0 * m / sqrt(n));
    assert_true(mean >= lo && mean <= hi);
    gsl_rng_free(r);
}

/* Pearson's statistic of `counts` against equal expected counts. */
static double chi_square_equal(const unsigned long *counts, int bins, double total) {
    double expected = total / bins, x2 = 0.0;
    for (int b = 0; b < bins; b++) {
        double d = (double)counts[b] - expected;
        x2 += d * d / expected;
    }
    return x2;
}

static void uniforms_pass_a_chi_square_test_on_100_bins(void **state) {
    (void)state;
    /* Pearson's X^2 over 100 equal bins with 10^4 expected per bin is
     * chi-square with 99 degrees of freedom to high accuracy (expected counts
     * far above the usual 5). Reject above the chi-square(99) quantile with
     * upper tail FALSE_ALARM, taken from GSL, not typed in. */
    enum { BINS = 100 };
    const int n = 1000000;
    unsigned long counts[BINS] = {0};
    gsl_rng *r = stream(303, 0, 2);
    for (int i = 0; i < n; i++)
        counts[(int)(gsl_rng_uniform(r) * BINS)]++;
    double x2 = chi_square_equal(counts, BINS, n);
    double critical = gsl_cdf_chisq_Qinv(FALSE_ALARM, BINS - 1);
    assert_true(critical > 170.0 && critical < 190.0); /* ~ 180.8 */
    assert_true(x2 <= critical);
    /* A statistic implausibly small (lower tail FALSE_ALARM) would mean the
     * counts are too even: a stratified or periodic generator, not a random
     * one. With both tails the test accepts a 2e-6 false alarm. */
    assert_true(x2 >= gsl_cdf_chisq_Pinv(FALSE_ALARM, BINS - 1));
    gsl_rng_free(r);
}

static void both_32_bit_halves_of_gsl_rng_get_are_uniform_bytewise(void **state) {
    (void)state;
    /* gsl_rng_get hands out the low then the high half of each 64-bit word, so
     * even draws are low halves and odd draws high halves. For each half, a
     * chi-square on its lowest and on its highest byte over 10^6 values
     * (about 3906 expected per bin, 255 degrees of freedom), each rejected
     * above the upper-FALSE_ALARM quantile: four checks, 4e-6 in all. */
    enum { BINS = 256 };
    const int n = 2000000;
    static unsigned long counts[2][2][BINS]; /* [half][low byte, high byte] */
    memset(counts, 0, sizeof counts);
    gsl_rng *r = stream(404, 0, 3);
    for (int i = 0; i < n; i++) {
        unsigned long v = gsl_rng_get(r);
        counts[i & 1][0][v & 0xffu]++;
        counts[i & 1][1][(v >> 24) & 0xffu]++;
    }
    double critical = gsl_cdf_chisq_Qinv(FALSE_ALARM, BINS - 1);
    for (int half = 0; half < 2; half++)
        for (int byte = 0; byte < 2; byte++)
            assert_true(chi_square_equal(counts[half][byte], BINS, n / 2) <= critical);
    gsl_rng_free(r);
}

static int compare_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : (a > b ? 1 : 0);
}

static void gaussians_pass_a_kolmogorov_smirnov_test(void **state) {
    (void)state;
    /* D_n = sup |F_n(x) - Phi(x)| for n draws of gsl_ran_gaussian. The
     * Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant gives
     * P(D_n > eps) <= 2 exp(-2 n eps^2) for every n (no asymptotics), so
     * eps = sqrt(ln(2 / FALSE_ALARM) / (2 n)) has false-alarm probability at
     * most FALSE_ALARM. (The asymptotic Kolmogorov quantile is the same to
     * four digits at this tail.) */
    const int n = 200000;
    const double sigma = 3.0;
    double *x = malloc((size_t)n * sizeof *x);
    assert_non_null(x);
    gsl_rng *r = stream(505, 0, 4);
    for (int i = 0; i < n; i++)
        x[i] = gsl_ran_gaussian(r, sigma);
    qsort(x, (size_t)n, sizeof x[0], compare_double);
    double d = 0.0;
    for (int i = 0; i < n; i++) {
        double f = gsl_cdf_gaussian_P(x[i], sigma);
        double above = (double)(i + 1) / n - f, below = f - (double)i / n;
        d = fmax(d, fmax(above, below));
    }
    double eps = sqrt(log(2.0 / FALSE_ALARM) / (2.0 * n));
    assert_true(d <= eps);
    free(x);
    gsl_rng_free(r);
}

static void uniforms_from_neighbouring_streams_are_uncorrelated(void **state) {
    (void)state;
    /* Streams 0 and 1 of one replication, drawn in lockstep: the sample
     * correlation of n pairs of independent U(0,1) is approximately
     * N(0, 1/n); accept |r| <= z / sqrt(n), z at FALSE_ALARM two-sided. */
    const int n = 1000000;
    gsl_rng *a = stream(606, 0, 0), *b = stream(606, 0, 1);
    double sa = 0.0, sb = 0.0, sab = 0.0, saa = 0.0, sbb = 0.0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(a) - 0.5, v = gsl_rng_uniform(b) - 0.5;
        sa += u;
        sb += v;
        sab += u * v;
        saa += u * u;
        sbb += v * v;
    }
    double cov = sab / n - (sa / n) * (sb / n);
    double corr = cov / sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
    assert_true(fabs(corr) <= gsl_cdf_ugaussian_Qinv(FALSE_ALARM / 2.0) / sqrt(n));
    gsl_rng_free(a);
    gsl_rng_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_same_seed_replication_and_stream_give_the_same_first_1000_draws),
        cmocka_unit_test(reseeding_an_existing_stream_replays_it_from_the_start),
        cmocka_unit_test(a_cloned_stream_continues_identically),
        cmocka_unit_test(inline_draws_equal_the_gsl_draws_step_for_step),
        cmocka_unit_test(gsl_rng_set_is_stream_zero_of_replication_zero),
        cmocka_unit_test(different_replications_give_different_draws),
        cmocka_unit_test(different_streams_give_different_draws),
        cmocka_unit_test(seeds_differing_only_above_bit_32_give_different_draws),
        cmocka_unit_test(the_stream_layout_is_philox_keyed_by_seed_and_replication),
        cmocka_unit_test(gsl_rng_get_stays_within_32_bits_and_uses_all_of_them),
        cmocka_unit_test(gsl_rng_uniform_lies_in_zero_to_one_excluding_one),
        cmocka_unit_test(mix64_matches_splitmix64_and_has_no_collisions_on_consecutive_inputs),
        cmocka_unit_test(the_mean_of_uniforms_is_one_half_within_a_derived_tolerance),
        cmocka_unit_test(the_mean_of_exponentials_matches_within_exact_gamma_bounds),
        cmocka_unit_test(uniforms_pass_a_chi_square_test_on_100_bins),
        cmocka_unit_test(both_32_bit_halves_of_gsl_rng_get_are_uniform_bytewise),
        cmocka_unit_test(gaussians_pass_a_kolmogorov_smirnov_test),
        cmocka_unit_test(uniforms_from_neighbouring_streams_are_uncorrelated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
