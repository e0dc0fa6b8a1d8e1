/* design.c: experimental designs on the unit cube (contract in cpsim/sweep.h).
 *
 * Each generator fills a caller-allocated row-major matrix, so the caller
 * sizes it once and nothing here keeps state between calls. Random designs
 * draw from one cp_rng stream of the sweep seed, in a fixed order (dimension
 * by dimension for the Latin hypercube, trajectory by trajectory for
 * Morris), so the same seed gives the same design on every machine.
 *
 * Why GSL's Sobol sequence rather than a vendored Joe-Kuo table: it is in
 * the library we already link, it is deterministic, and 40 dimensions cover
 * 40 parameters (Sobol design) or 20 (Saltelli). Its limit is not checked by
 * GSL itself (it hands out garbage above 40), so we check it here.
 *
 * Error policy: sizes the caller asked for (too many dimensions, zero
 * points, odd Morris levels) are CP_EINPUT; allocation failure CP_ENOMEM.
 */
#include "cpsim/sweep.h"

#include "cpsim/rng.h"

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const design_names[] = {"grid", "lhs", "sobol", "morris", "saltelli"};

const char *cp_design_name(cp_design_kind kind) {
    CP_ASSERT((size_t)kind < sizeof design_names / sizeof design_names[0]);
    return design_names[kind];
}

bool cp_design_from_name(const char *name, cp_design_kind *kind) {
    for (size_t i = 0; i < sizeof design_names / sizeof design_names[0]; i++) {
        if (strcmp(name, design_names[i]) == 0) {
            *kind = (cp_design_kind)i;
            return true;
        }
    }
    return false;
}

size_t cp_design_grid_rows(const size_t *levels, size_t k) {
    if (k == 0)
        return 0;
    size_t rows = 1;
    for (size_t j = 0; j < k; j++) {
        if (levels[j] == 0 || rows > CP_DESIGN_MAX_POINTS / levels[j])
            return 0;
        rows *= levels[j];
    }
    return rows;
}

void cp_design_grid(const size_t *levels, size_t k, size_t *index) {
    size_t rows = cp_design_grid_rows(levels, k);
    CP_ASSERT(rows > 0);
    /* An odometer: the last dimension turns fastest. */
    for (size_t j = 0; j < k; j++)
        index[j] = 0;
    for (size_t row = 1; row < rows; row++) {
        size_t *cur = index + row * k;
        memcpy(cur, cur - k, k * sizeof *cur);
        for (size_t j = k; j-- > 0;) {
            if (++cur[j] < levels[j])
                break;
            cur[j] = 0;
        }
    }
}

cp_status cp_design_lhs(size_t n, size_t k, uint64_t seed, double *u, cp_error *err) {
    if (n == 0 || k == 0)
        return cp_error_set(err, CP_EINPUT,
                            "a Latin hypercube needs at least 1 point and 1 "
                            "dimension (asked for %zu x %zu)",
                            n, k);
    size_t *perm = malloc(n * sizeof *perm);
    gsl_rng *rng = cp_rng_stream_create(seed, CP_SWEEP_RNG_DESIGN, CP_SWEEP_STREAM_LHS, err);
    if (!perm || !rng) {
        free(perm);
        if (rng)
            gsl_rng_free(rng);
        return cp_error_set(err, CP_ENOMEM, "out of memory for a %zu-point Latin hypercube", n);
    }
    /* Dimension by dimension: a fresh permutation of the strata, then a
     * uniform offset inside each stratum. */
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        gsl_ran_shuffle(rng, perm, n, sizeof *perm);
        for (size_t i = 0; i < n; i++) {
            double x = ((double)perm[i] + gsl_rng_uniform(rng)) / (double)n;
            /* (perm + U) / n can round up to the next stratum's edge only when
             * U is within an ulp of 1; keep it inside its own stratum. */
            double edge = (double)(perm[i] + 1) / (double)n;
            if (x >= edge)
                x = nextafter(edge, 0.0);
            u[i * k + j] = x;
        }
    }
    gsl_rng_free(rng);
    free(perm);
    return CP_OK;
}

static cp_status sobol_points(size_t n, size_t dim, double *out, cp_error *err) {
    if (dim == 0 || dim > CP_SOBOL_MAX_DIMENSION)
        return cp_error_set(err, CP_EINPUT,
                            "a Sobol sequence here has 1 to %d dimensions, not %zu (GSL's "
                            "generator has direction numbers for %d only)",
                            CP_SOBOL_MAX_DIMENSION, dim, CP_SOBOL_MAX_DIMENSION);
    if (n == 0)
        return cp_error_set(err, CP_EINPUT, "a Sobol design needs at least 1 point");
    cp_gsl_errors_off();
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)dim);
    if (!q)
        return cp_error_set(err, CP_ENOMEM, "cannot allocate a %zu-dimensional Sobol generator",
                            dim);
    for (size_t i = 0; i < n; i++) {
        if (gsl_qrng_get(q, out + i * dim) != 0) {
            gsl_qrng_free(q);
            return cp_error_set(err, CP_EINPUT,
                                "the Sobol sequence ran out after %zu points (asked for %zu)", i,
                                n);
        }
    }
    gsl_qrng_free(q);
    return CP_OK;
}

cp_status cp_design_sobol(size_t n, size_t k, double *u, cp_error *err) {
    return sobol_points(n, k, u, err);
}

double cp_morris_delta(unsigned levels) {
    CP_ASSERT(levels >= 2);
    return (double)levels / (2.0 * (double)(levels - 1));
}

cp_status cp_design_morris(size_t r, size_t k, const unsigned *levels, uint64_t seed, double *u,
                           cp_error *err) {
    if (r == 0 || k == 0)
        return cp_error_set(err, CP_EINPUT,
                            "a Morris design needs at least 1 trajectory and 1 "
                            "parameter");
    for (size_t j = 0; j < k; j++)
        if (levels[j] < 2 || levels[j] % 2 != 0)
            return cp_error_set(err, CP_EINPUT,
                                "Morris levels must be even and at least 2 (dimension %zu has "
                                "%u): with p even, delta = p/(2(p-1)) makes every level "
                                "equally likely",
                                j, levels[j]);
    size_t *order = malloc(k * sizeof *order);
    long *level = malloc(k * sizeof *level);
    long *step = malloc(k * sizeof *step);
    gsl_rng *rng = cp_rng_stream_create(seed, CP_SWEEP_RNG_DESIGN, CP_SWEEP_STREAM_MORRIS, err);
    if (!order || !level || !step || !rng) {
        free(order);
        free(level);
        free(step);
        if (rng)
            gsl_rng_free(rng);
        return cp_error_set(err, CP_ENOMEM, "out of memory for a Morris design");
    }
    /* Positions are kept as whole grid levels and divided by p - 1 only when
     * written, so every coordinate lands exactly on the grid and a step is
     * exactly p/2 levels, i.e. delta. */
    for (size_t t = 0; t < r; t++) {
        double *row = u + t * (k + 1) * k;
        /* Start at level l in 0 .. p/2 - 1 (so l + p/2 is still on the grid)
         * going up, or at l + p/2 going down, with equal probability. */
        for (size_t j = 0; j < k; j++) {
            long half = (long)levels[j] / 2;
            long l = (long)gsl_rng_uniform_int(rng, (unsigned long)half);
            bool up = gsl_rng_uniform(rng) < 0.5;
            level[j] = up ? l : l + half;
            step[j] = up ? half : -half;
            row[j] = (double)level[j] / (double)(levels[j] - 1);
        }
        for (size_t j = 0; j < k; j++)
            order[j] = j;
        gsl_ran_shuffle(rng, order, k, sizeof *order);
        for (size_t s = 1; s <= k; s++) {
            double *cur = row + s * k;
            memcpy(cur, cur - k, k * sizeof *cur);
            size_t j = order[s - 1];
            level[j] += step[j];
            cur[j] = (double)level[j] / (double)(levels[j] - 1);
        }
    }
    free(order);
    free(level);
    free(step);
    gsl_rng_free(rng);
    return CP_OK;
}

cp_status cp_design_saltelli(size_t n, size_t k, double *u, cp_error *err) {
    if (k == 0 || 2 * k > CP_SOBOL_MAX_DIMENSION)
        return cp_error_set(err, CP_EINPUT,
                            "a Saltelli design draws 2k dimensions from a Sobol sequence of at "
                            "most %d, so it takes 1 to %d parameters, not %zu",
                            CP_SOBOL_MAX_DIMENSION, CP_SOBOL_MAX_DIMENSION / 2, k);
    if (n == 0)
        return cp_error_set(err, CP_EINPUT, "a Saltelli design needs a base sample of at least 1");
    double *base = malloc(n * 2 * k * sizeof *base);
    if (!base)
        return cp_error_set(err, CP_ENOMEM, "out of memory for a Saltelli design");
    cp_status st = sobol_points(n, 2 * k, base, err);
    if (st != CP_OK) {
        free(base);
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        const double *a = base + i * 2 * k;
        const double *b = a + k;
        double *block = u + i * (k + 2) * k;
        memcpy(block, a, k * sizeof *block);
        for (size_t j = 0; j < k; j++) {
            double *ab = block + (1 + j) * k;
            memcpy(ab, a, k * sizeof *ab);
            ab[j] = b[j];
        }
        memcpy(block + (k + 1) * k, b, k * sizeof *block);
    }
    free(base);
    return CP_OK;
}
