/* cpsim/rng.h: reproducible random streams, one per purpose per replication.
 *
 * Contract
 * - A stream is a gsl_rng (so every gsl_ran_* distribution works on it) of
 *   type cp_rng_philox4x64: the counter-based generator Philox4x64-10
 *   (Salmon et al. 2011, Debian's librandom123-dev).
 * - A stream is fixed by (master seed: 64 bits, replication: 64 bits, stream
 *   id: 32 bits). The Philox key is (master seed, replication) and the stream
 *   id sits in the top counter word, so two streams that differ in any bit of
 *   any of the three never share a counter block: they are distinct, and as
 *   independent as Philox's outputs, by construction rather than by luck.
 *   That is why we do not seed through gsl_rng_set: it keeps only an
 *   unsigned long, and generators seeded from nearby 32-bit seeds collide.
 * - Replication r of every scenario gets the same streams, so comparisons
 *   between scenarios are paired (common random numbers).
 * - gsl_rng_get returns 32-bit values (max 2^32-1); gsl_rng_uniform uses a full
 *   53-bit mantissa from one 64-bit word.
 */
#ifndef CPSIM_RNG_H
#define CPSIM_RNG_H

#include "cpsim/error.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

extern const gsl_rng_type *cp_rng_philox4x64;

/* Allocates a stream already positioned at (seed, replication, stream).
 * Returns NULL with err set when memory runs out. Free with gsl_rng_free. */
gsl_rng *cp_rng_stream_create(uint64_t master_seed, uint64_t replication, uint32_t stream,
                              cp_error *err);

/* Repositions an existing cp_rng_philox4x64 stream at the start of
 * (seed, replication, stream), without allocating. */
void cp_rng_stream_seed(gsl_rng *rng, uint64_t master_seed, uint64_t replication,
                        uint32_t stream);

/* A full 64-bit draw from a cp_rng_philox4x64 stream. */
uint64_t cp_rng_next_u64(gsl_rng *rng);

/* The state of a cp_rng_philox4x64 stream. It is public only so that the
 * draws below inline; treat it as opaque. `next` indexes the next unused word
 * of `block` (4: used up); `half` holds the spare upper 32 bits of the last
 * word when `has_half` is set (gsl_rng_get hands out 32 bits at a time). */
typedef struct cp_rng_philox_state {
    uint64_t counter[4], key[2], block[4];
    unsigned next;
    bool has_half;
    uint32_t half;
} cp_rng_philox_state;

/* Computes the stream's next block of four words. */
void cp_rng_philox_refill(cp_rng_philox_state *state);

/* The stream's next 64-bit word. */
static inline uint64_t cp_rng_philox_next(cp_rng_philox_state *st) {
    if (st->next == 4)
        cp_rng_philox_refill(st);
    return st->block[st->next++];
}

/* The stream's next double on [0, 1): the top 53 bits of the next word. This
 * is the generator's get_double, so gsl_rng_uniform gives the same number. */
static inline double cp_rng_philox_double(cp_rng_philox_state *st) {
    return (double)(cp_rng_philox_next(st) >> 11) * 0x1.0p-53;
}

/* Uniform on [0, 1) from a cp_rng_philox4x64 stream: the same number, and
 * the same step along the stream, as gsl_rng_uniform(rng), without the call
 * through the generator's function table (the model draws millions). */
static inline double cp_rng_uniform(gsl_rng *rng) {
    return cp_rng_philox_double((cp_rng_philox_state *)rng->state);
}

/* Exponential with mean mu from a cp_rng_philox4x64 stream: -mu log(1 - U),
 * the formula of GSL 2.x's gsl_ran_exponential, so the same number. */
static inline double cp_rng_exponential(gsl_rng *rng, double mu) {
    return -mu * log1p(-cp_rng_uniform(rng));
}

/* SplitMix64 finaliser: a bijective mixer of 64-bit words, used to derive
 * seeds (e.g. the master seed of a sweep point) from other seeds. */
uint64_t cp_rng_mix64(uint64_t x);

#endif
