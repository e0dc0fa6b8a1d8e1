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

/* SplitMix64 finaliser: a bijective mixer of 64-bit words, used to derive
 * seeds (e.g. the master seed of a sweep point) from other seeds. */
uint64_t cp_rng_mix64(uint64_t x);

#endif
