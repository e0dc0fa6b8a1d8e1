/* rng.c: Philox4x64-10 as a gsl_rng_type, keyed by (seed, replication) with
 * the stream id in the counter. Contract in include/cpsim/rng.h.
 *
 * We write the gsl_rng_type ourselves instead of using Random123's GSL_CBRNG
 * adapter because that adapter's set() puts one unsigned long in the key and
 * zeroes the rest: it cannot express (seed, replication, stream).
 *
 * The state (cp_rng_philox_state) is declared in the header so that
 * cp_rng_uniform inlines; its invariant is stated there. Refilling a block
 * stays here, out of line, with Random123.
 */
#include "cpsim/rng.h"

#include <Random123/philox.h>
#include <stdbool.h>
#include <string.h>

typedef cp_rng_philox_state philox_state;

void cp_rng_philox_refill(philox_state *st) {
    /* 2^128 blocks per stream before the low counter words wrap. */
    if (++st->counter[0] == 0)
        ++st->counter[1];
    philox4x64_ctr_t ctr = {{st->counter[0], st->counter[1], st->counter[2], st->counter[3]}};
    philox4x64_key_t key = {{st->key[0], st->key[1]}};
    philox4x64_ctr_t out = philox4x64(ctr, key);
    for (int i = 0; i < 4; i++)
        st->block[i] = out.v[i];
    st->next = 0;
}

static void philox_position(philox_state *st, uint64_t seed, uint64_t replication,
                            uint32_t stream) {
    memset(st, 0, sizeof *st);
    st->key[0] = seed;
    st->key[1] = replication;
    st->counter[3] = stream;
    st->next = 4;
}

static void philox_set(void *state, unsigned long int seed) {
    philox_position(state, (uint64_t)seed, 0, 0);
}

static unsigned long int philox_get(void *state) {
    philox_state *st = state;
    if (st->has_half) {
        st->has_half = false;
        return st->half;
    }
    uint64_t w = cp_rng_philox_next(st);
    st->half = (uint32_t)(w >> 32);
    st->has_half = true;
    return (unsigned long int)(w & 0xffffffffu);
}

static double philox_get_double(void *state) {
    return cp_rng_philox_double(state);
}

static const gsl_rng_type philox_type = {
    "cp_philox4x64", 0xffffffffUL, 0, sizeof(philox_state), &philox_set, &philox_get,
    &philox_get_double};

const gsl_rng_type *cp_rng_philox4x64 = &philox_type;

gsl_rng *cp_rng_stream_create(uint64_t master_seed, uint64_t replication, uint32_t stream,
                              cp_error *err) {
    cp_gsl_errors_off();
    gsl_rng *rng = gsl_rng_alloc(cp_rng_philox4x64);
    if (!rng) {
        cp_error_set(err, CP_ENOMEM, "out of memory allocating a random stream");
        return NULL;
    }
    cp_rng_stream_seed(rng, master_seed, replication, stream);
    return rng;
}

void cp_rng_stream_seed(gsl_rng *rng, uint64_t master_seed, uint64_t replication,
                        uint32_t stream) {
    philox_position(rng->state, master_seed, replication, stream);
}

uint64_t cp_rng_next_u64(gsl_rng *rng) {
    philox_state *st = rng->state;
    st->has_half = false;
    return cp_rng_philox_next(st);
}

uint64_t cp_rng_mix64(uint64_t x) {
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}
