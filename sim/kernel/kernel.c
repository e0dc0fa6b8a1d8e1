/* kernel.c: event queue and clock. Contract in include/cpsim/kernel.h.
 *
 * Design. The queue is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan 1990)
 * in base 16 over the bits of the event time, with a sorted front. A
 * simulation's queue is monotone: nothing is scheduled before the clock. For
 * times >= 0 the IEEE-754 bit pattern of a double, read as an unsigned 64-bit
 * integer, orders exactly as the number does, so entries carry those bits
 * and the queue orders them exactly by time, then by the order key:
 *   - `last` is a time (as bits) that no entry of the buckets reaches;
 *   - bucket 16 l + d holds, unordered, the entries whose time bits are
 *     above `last`, first differ from it in hex digit l (0 the least
 *     significant), and have the digit d there; so every entry of a bucket
 *     comes before every entry of each bucket with a higher index;
 *   - the front holds the entries at or before `last`, which come before
 *     all the buckets' entries: a run sorted once, latest first (taken from
 *     its end), and a small binary heap (`late`) for those scheduled at or
 *     before `last` after the run was sorted. The earlier of the run's end
 *     and the heap's top is the next event.
 * Schedule appends to one bucket: O(1). When the front runs dry, the lowest
 * non-empty bucket holds the earliest entries. If it is small (at most
 * RUN_MAX entries; about five on average in the team model) it becomes the
 * new run, sorted by insertion, with `last` raised to its latest time: the
 * entries of the other buckets keep their bucket, because that time differs
 * from the old `last` only in the digits below l and has the digit d at l.
 * A large bucket is split instead, as in the textbook radix heap: its
 * earliest time becomes `last` and its entries move to lower digits (each
 * entry only ever moves down; in the team model splits move 1.3 entries an
 * event in base 16 against 1.7 in base 2). If the late heap grows (a run
 * spanning a quiet stretch takes in what is scheduled meanwhile), `last` is
 * brought down to the front's earliest time and the front goes back to the
 * buckets (queue_rebase). Either way an event costs an append, a move or
 * two and one copy into a run (2.4 moves an event in the team model, as
 * cp_kernel_entries_moved counts them), a short insertion sort and an O(1)
 * pop, instead of a binary heap's log2(n) levels of two compares (and a
 * mispredicted branch) at every pop.
 *
 * Why not the binary heap we had (16-byte entries, the running event's
 * entry reused at the root by the handler's schedule): once every visit to
 * a child became an event of its own (2026-12), the model's queue held about
 * 500 events, most of them days to a year ahead, and the heap's sift-down
 * was the largest single cost in a replication (about 450 instructions an
 * event in all; this queue about 310, counted with callgrind). It gives
 * exactly the same order of events: the model's outputs are byte-identical
 * on either. A first radix version that kept the front as a heap and split
 * every bucket in base 2 cost as much as the binary heap: double times
 * spread over many bit levels, so entries moved down many times.
 *
 * Entries are 16 bytes, (time bits, order key). The key packs the inverted
 * priority in its top 16 bits and the insertion sequence in the low 48.
 * Payloads (handler, ctx, arg) live in a slot table so that moving an entry
 * moves 16 bytes, not 40.
 *
 * The sequence number also names the slot: the event with sequence s lives in
 * slots[s & slot_mask], and its handle is s. Schedule takes the next sequence
 * number whose slot is free; the numbers it skips are never used, so the
 * sequence still increases and FIFO order is unaffected. With the table at
 * most half full that skips about one number per event on average. The table
 * doubles before it passes half full; slot_mask only gains bits, so pending
 * events that did not share a slot cannot share one after. This is what lets
 * an entry carry no slot index and no generation: an entry is live exactly
 * when slots[key & slot_mask].key == key, because a key is never reused (reset
 * does not restart the sequence, so handles from a previous replication stay
 * stale as well). 48 bits last about 10^14 events per kernel; an assertion
 * stops the run beyond that rather than let keys wrap.
 *
 * Why lazy cancellation: cancel frees the slot in O(1) and leaves the entry
 * where it is; a dead entry is dropped when it reaches the front. Dead
 * entries are bounded by a compaction when they outnumber live ones.
 *
 * Invariants: every entry is live (slots[key & slot_mask].key == key, exactly
 * one entry per occupied slot) or dead and counted in stale_count; an entry
 * with time bits <= last is in the front, one with bits above it in bucket
 * bucket_of(last, bits); the run is sorted latest first and the late heap is
 * a heap; bit b of `occupied` is set exactly when bucket b is non-empty; the
 * chunks of a bucket are full but its head. A free slot has key SLOT_FREE
 * (sequence 0, never issued).
 */
#include "cpsim/kernel.h"

#include "cpsim/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_BITS 48
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define SLOT_FREE UINT64_C(0)
/* Buckets by base-16 digit: bucket 16 l + d holds the entries whose time
 * bits first differ from `last` in hex digit l (0 the least significant),
 * where their digit is d. */
#define DIGIT_BITS 4
#define DIGITS 16
#define LEVELS 16
#define BUCKETS (LEVELS * DIGITS)
#define OCCUPIED_WORDS (BUCKETS / 64)
/* A lowest bucket of at most this many entries becomes the sorted run whole
 * (insertion sort: about RUN_MAX^2 / 4 moves at worst); a larger one is
 * split. */
#define RUN_MAX 32
/* The late heap (see below) past this many entries sends the front back to
 * the buckets (queue_rebase). */
#define LATE_MAX 16

typedef struct entry {
    uint64_t time; /* the bits of the time (a double >= 0) */
    uint64_t key;  /* (CP_PRIORITY_MAX - priority) << 48 | sequence */
} entry;

typedef struct entries {
    entry *items;
    size_t n, capacity;
} entries;

/* A bucket is a chain of fixed-size chunks from one pool, not an array of
 * its own: which buckets are busy shifts as the clock's bits change, and
 * 256 arrays that each kept their largest size would grow for years (they
 * did: 0.7 MB to 1.0 MB over a 20-year replication). The pool only grows to
 * the most chunks ever in use at once. */
#define CHUNK_ENTRIES 15

typedef struct chunk {
    struct chunk *next;
    size_t n;
    entry items[CHUNK_ENTRIES];
} chunk;

typedef struct bucket {
    chunk *head; /* the chunk being filled; the others are full */
    size_t n;
} bucket;

/* Chunks are allocated in blocks, each twice the one before (64 chunks,
 * 16 KB, first), so the pool grows a few times early and then not at all;
 * freed chunks go on a free list. */
#define FIRST_BLOCK_CHUNKS 64

typedef struct chunk_block {
    struct chunk_block *next;
    size_t chunks;
    chunk chunk[]; /* `chunks` of them */
} chunk_block;

typedef struct event_slot {
    cp_event_fn fn;
    void *ctx;
    uint64_t arg;
    uint64_t key; /* the pending event's key, or SLOT_FREE */
} event_slot;

struct cp_kernel {
    double now;
    uint64_t next_sequence; /* starts at 1, never restarts */
    uint64_t events_run;
    uint64_t last;        /* time bits: the front holds what is at or before it */
    uint64_t occupied[OCCUPIED_WORDS]; /* bit b: bucket b is non-empty */
    entries run;          /* the front: sorted, latest first */
    entries late;         /* the front: a heap, earliest first */
    size_t late_limit;    /* a late heap larger than this is rebased */
    entries scratch;      /* for queue_rebase */
    bucket buckets[BUCKETS];
    chunk *free_chunks;
    chunk_block *blocks;  /* every chunk allocated, for destroy */
    size_t count;         /* entries queued, live and dead */
    uint64_t moved;       /* entries moved between buckets, runs and heap */
    size_t stale_count;
    event_slot *slots;
    uint64_t slot_mask; /* slot table size - 1; the size is a power of two */
    bool stopped;       /* cp_kernel_stop: run_until returns early */
};

static inline event_slot *slot_of(const cp_kernel *k, uint64_t key) {
    return &k->slots[key & k->slot_mask];
}

static inline bool entry_is_live(const cp_kernel *k, const entry *e) {
    return slot_of(k, e->key)->key == e->key;
}

/* The bits of a time >= 0 (-0 read as +0): they order as the times do. */
static inline uint64_t time_bits(double t) {
    uint64_t b;
    t += 0.0; /* -0.0 + 0.0 is +0.0 */
    memcpy(&b, &t, sizeof b);
    return b;
}

static inline double bits_time(uint64_t b) {
    double t;
    memcpy(&t, &b, sizeof t);
    return t;
}

static inline bool entry_before(const entry *a, const entry *b) {
    return a->time < b->time || (a->time == b->time && a->key < b->key);
}

/* Doubles an array's room (rare: arrays keep their room across resets). */
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
static void entries_grow(entries *a) {
    size_t cap = a->capacity ? 2 * a->capacity : 16;
    entry *grown = realloc(a->items, cap * sizeof *grown);
    CP_ASSERT(grown != NULL); /* out of memory mid-run: nothing sensible to return */
    a->items = grown;
    a->capacity = cap;
}

static inline void entries_append(entries *a, entry e) {
    if (a->n == a->capacity)
        entries_grow(a);
    a->items[a->n++] = e;
}

/* ---- the late heap ------------------------------------------------------ */

static void late_sift_down(entries *h, size_t i) {
    entry moving = h->items[i];
    size_t n = h->n;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && entry_before(&h->items[child + 1], &h->items[child]))
            child++;
        if (!entry_before(&h->items[child], &moving))
            break;
        h->items[i] = h->items[child];
        i = child;
    }
    h->items[i] = moving;
}

static void late_push(entries *h, entry e) {
    if (h->n == h->capacity)
        entries_grow(h);
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!entry_before(&e, &h->items[parent]))
            break;
        h->items[i] = h->items[parent];
        i = parent;
    }
    h->items[i] = e;
}

static void late_pop(entries *h) {
    if (--h->n > 0) {
        h->items[0] = h->items[h->n];
        late_sift_down(h, 0);
    }
}

static void late_heapify(entries *h) {
    if (h->n > 1)
        for (size_t i = (h->n - 2) / 2 + 1; i-- > 0;)
            late_sift_down(h, i);
}

/* ---- buckets and the front ---------------------------------------------- */

/* The bucket of time bits t > last. */
static inline unsigned bucket_of(uint64_t last, uint64_t t) {
    unsigned level = (63u - (unsigned)__builtin_clzll(t ^ last)) / DIGIT_BITS;
    unsigned digit = (unsigned)(t >> (level * DIGIT_BITS)) & (DIGITS - 1);
    return level * DIGITS + digit;
}

#if defined(__GNUC__)
__attribute__((noinline))
#endif
static chunk *chunk_take(cp_kernel *k) {
    if (!k->free_chunks) {
        size_t n = k->blocks ? 2 * k->blocks->chunks : FIRST_BLOCK_CHUNKS;
        chunk_block *block = malloc(sizeof *block + n * sizeof(chunk));
        CP_ASSERT(block != NULL); /* out of memory mid-run: nothing sensible to return */
        block->next = k->blocks;
        block->chunks = n;
        k->blocks = block;
        for (size_t i = n; i-- > 0;) {
            block->chunk[i].next = k->free_chunks;
            k->free_chunks = &block->chunk[i];
        }
    }
    chunk *c = k->free_chunks;
    k->free_chunks = c->next;
    c->next = NULL;
    c->n = 0;
    return c;
}

/* Empties a bucket, its chunks back to the pool (after the caller has read
 * them). */
static void bucket_clear(cp_kernel *k, bucket *bk) {
    chunk *c = bk->head;
    while (c) {
        chunk *next = c->next;
        c->next = k->free_chunks;
        k->free_chunks = c;
        c = next;
    }
    bk->head = NULL;
    bk->n = 0;
}

static inline void bucket_put(cp_kernel *k, entry e) {
    unsigned b = bucket_of(k->last, e.time);
    bucket *bk = &k->buckets[b];
    chunk *c = bk->head;
    if (!c || c->n == CHUNK_ENTRIES) {
        chunk *fresh = chunk_take(k);
        fresh->next = c;
        bk->head = c = fresh;
    }
    c->items[c->n++] = e;
    bk->n++;
    k->occupied[b / 64] |= UINT64_C(1) << (b % 64);
}

/* Appends a bucket's entries to an array. */
static void bucket_copy(const bucket *bk, entries *to) {
    while (to->n + bk->n > to->capacity)
        entries_grow(to);
    for (const chunk *c = bk->head; c; c = c->next) {
        memcpy(to->items + to->n, c->items, c->n * sizeof *c->items);
        to->n += c->n;
    }
}

static inline void bucket_emptied(cp_kernel *k, unsigned b) {
    k->occupied[b / 64] &= ~(UINT64_C(1) << (b % 64));
}

/* The lowest non-empty bucket, or BUCKETS when all are empty. */
static inline unsigned bucket_lowest(const cp_kernel *k) {
    for (unsigned w = 0; w < OCCUPIED_WORDS; w++)
        if (k->occupied[w])
            return w * 64 + (unsigned)__builtin_ctzll(k->occupied[w]);
    return BUCKETS;
}

static void queue_rebase(cp_kernel *k);

static inline void queue_put(cp_kernel *k, entry e) {
    if (e.time > k->last) {
        bucket_put(k, e);
        return;
    }
    late_push(&k->late, e);
    if (k->late.n > k->late_limit)
        queue_rebase(k);
}

/* The late heap has grown: the run spans a long quiet stretch and takes in
 * what is scheduled meanwhile. `last` comes down to the front's earliest
 * time L (below the old `last`, L1) and what is later goes back to the
 * buckets. Let t be the highest hex digit where L and L1 differ (L's is the
 * smaller). An entry at level t or above keeps its bucket: L agrees with L1
 * above digit t, and at t the entry's digit is above L1's, so above L's. An
 * entry below level t agrees with L1 at digit t, so relative to L it belongs
 * at level t: the buckets below level t are filled again. When the whole
 * front is at one time nothing can move (and there is no digit t): the limit
 * is raised instead, and after a rebase it is twice the front it left, so a
 * flood of events at one moment costs O(log n) each, not a rebase each. */
static void queue_rebase(cp_kernel *k) {
    entries *late = &k->late, *run = &k->run, *moving = &k->scratch;
    uint64_t earliest = late->items[0].time;
    if (run->n > 0 && run->items[run->n - 1].time < earliest)
        earliest = run->items[run->n - 1].time;
    if (earliest == k->last) {
        k->late_limit = 2 * late->n + LATE_MAX;
        return;
    }
    unsigned top = (63u - (unsigned)__builtin_clzll(earliest ^ k->last)) / DIGIT_BITS;
    k->last = earliest;
    moving->n = 0;
    for (unsigned b = 0; b < top * DIGITS; b++) {
        bucket *bk = &k->buckets[b];
        if (bk->n == 0)
            continue;
        bucket_copy(bk, moving);
        bucket_clear(k, bk);
        bucket_emptied(k, b);
    }
    for (size_t i = 0; i < run->n; i++)
        entries_append(moving, run->items[i]);
    run->n = 0;
    size_t kept = 0;
    for (size_t i = 0; i < late->n; i++)
        if (late->items[i].time == earliest)
            late->items[kept++] = late->items[i];
        else
            entries_append(moving, late->items[i]);
    late->n = kept;
    for (size_t i = 0; i < moving->n; i++)
        if (moving->items[i].time == earliest)
            entries_append(late, moving->items[i]);
        else
            bucket_put(k, moving->items[i]);
    k->moved += moving->n;
    moving->n = 0;
    late_heapify(late);
    k->late_limit = 2 * late->n + LATE_MAX;
}

/* Sorts a[0..n) latest first, by insertion (n is small). */
static void sort_latest_first(entry *a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        entry e = a[i];
        size_t j = i;
        while (j > 0 && entry_before(&a[j - 1], &e)) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = e;
    }
}

/* Refills the front from the lowest non-empty bucket when it is empty.
 * Returns false when the queue is empty. */
static bool queue_refill(cp_kernel *k) {
    while (k->run.n == 0 && k->late.n == 0) {
        unsigned b = bucket_lowest(k);
        if (b == BUCKETS)
            return false;
        bucket *bk = &k->buckets[b];
        bucket_emptied(k, b);
        if (bk->n <= RUN_MAX) {
            entries *run = &k->run;
            bucket_copy(bk, run);
            k->moved += run->n;
            bucket_clear(k, bk);
            uint64_t latest = 0;
            for (size_t i = 0; i < run->n; i++)
                latest = run->items[i].time > latest ? run->items[i].time : latest;
            k->last = latest;
            k->late_limit = LATE_MAX;
            sort_latest_first(run->items, run->n);
            return true;
        }
        uint64_t earliest = UINT64_MAX;
        for (const chunk *c = bk->head; c; c = c->next)
            for (size_t i = 0; i < c->n; i++)
                earliest = c->items[i].time < earliest ? c->items[i].time : earliest;
        k->last = earliest;
        /* Every entry goes to a lower bucket or, at time `last`, to the
         * late heap (built once below), so bk is not appended to while it
         * is read; its chunks are freed after. */
        chunk *chain = bk->head;
        k->moved += bk->n;
        bk->head = NULL;
        bk->n = 0;
        entries *late = &k->late;
        for (const chunk *c = chain; c; c = c->next)
            for (size_t i = 0; i < c->n; i++) {
                entry e = c->items[i];
                if (e.time == earliest)
                    entries_append(late, e);
                else
                    bucket_put(k, e);
            }
        bk->head = chain;
        bucket_clear(k, bk);
        late_heapify(late);
        /* As after a rebase: the heap may already be large (many entries at
         * one time), and a limit left low would send it all back to the
         * buckets at the next schedule before it, and again after the next
         * look ahead: O(n) an operation. */
        k->late_limit = 2 * late->n + LATE_MAX;
    }
    return true;
}

/* The earliest entry, live or dead, or NULL when the queue is empty. */
static inline entry *queue_front(cp_kernel *k) {
    if (!queue_refill(k))
        return NULL;
    if (k->run.n == 0)
        return &k->late.items[0];
    entry *r = &k->run.items[k->run.n - 1];
    return k->late.n > 0 && entry_before(&k->late.items[0], r) ? &k->late.items[0] : r;
}

/* Removes the entry queue_front returned. */
static inline void queue_drop(cp_kernel *k, const entry *front) {
    if (k->late.n > 0 && front == &k->late.items[0])
        late_pop(&k->late);
    else
        k->run.n--;
    k->count--;
}

static size_t keep_live(const cp_kernel *k, entries *a) {
    size_t kept = 0;
    for (size_t i = 0; i < a->n; i++)
        if (entry_is_live(k, &a->items[i]))
            a->items[kept++] = a->items[i];
    a->n = kept;
    return kept;
}

/* Drops dead entries everywhere (the run stays sorted, the heap is rebuilt). */
static void queue_compact(cp_kernel *k) {
    size_t kept = keep_live(k, &k->run) + keep_live(k, &k->late);
    late_heapify(&k->late);
    entries *live = &k->scratch;
    for (unsigned b = 0; b < BUCKETS; b++) {
        bucket *bk = &k->buckets[b];
        if (bk->n == 0)
            continue;
        live->n = 0;
        bucket_copy(bk, live);
        bucket_clear(k, bk);
        bucket_emptied(k, b);
        keep_live(k, live);
        for (size_t i = 0; i < live->n; i++)
            bucket_put(k, live->items[i]); /* `last` unchanged: the same bucket */
        kept += live->n;
    }
    live->n = 0;
    k->count = kept;
    k->stale_count = 0;
}

/* ---- the kernel ---------------------------------------------------------- */

static bool slots_alloc(cp_kernel *k, uint64_t size) {
    event_slot *slots = malloc((size_t)size * sizeof *slots);
    if (!slots)
        return false;
    for (uint64_t s = 0; s < size; s++)
        slots[s].key = SLOT_FREE;
    k->slots = slots;
    k->slot_mask = size - 1;
    return true;
}

cp_kernel *cp_kernel_create(size_t capacity) {
    cp_kernel *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    if (capacity < 16)
        capacity = 16;
    if (capacity > ((size_t)1 << 40))
        capacity = (size_t)1 << 40;
    uint64_t slot_count = 2;
    while (slot_count < 2 * (uint64_t)capacity)
        slot_count *= 2;
    if (!slots_alloc(k, slot_count)) {
        cp_kernel_destroy(k);
        return NULL;
    }
    k->next_sequence = 1;
    k->late_limit = LATE_MAX;
    return k;
}

void cp_kernel_destroy(cp_kernel *kernel) {
    if (!kernel)
        return;
    free(kernel->run.items);
    free(kernel->late.items);
    free(kernel->scratch.items);
    while (kernel->blocks) {
        chunk_block *next = kernel->blocks->next;
        free(kernel->blocks);
        kernel->blocks = next;
    }
    free(kernel->slots);
    free(kernel);
}

void cp_kernel_reset(cp_kernel *k) {
    /* The sequence carries on, so handles from a previous replication stay
     * stale instead of aliasing new events. */
    for (uint64_t s = 0; s <= k->slot_mask; s++)
        k->slots[s].key = SLOT_FREE;
    k->run.n = k->late.n = 0;
    for (unsigned b = 0; b < BUCKETS; b++)
        bucket_clear(k, &k->buckets[b]);
    memset(k->occupied, 0, sizeof k->occupied);
    k->last = 0;
    k->late_limit = LATE_MAX;
    k->count = 0;
    k->moved = 0;
    k->now = 0.0;
    k->events_run = 0;
    k->stale_count = 0;
    k->stopped = false;
}

double cp_kernel_now(const cp_kernel *kernel) {
    return kernel->now;
}

/* Doubles the slot table. slot_mask gains one bit, so two pending events
 * that did not share a slot before cannot share one after. */
static void slots_grow(cp_kernel *k) {
    event_slot *old = k->slots;
    uint64_t old_size = k->slot_mask + 1;
    CP_ASSERT(old_size <= SEQ_MASK / 2);
    bool allocated = slots_alloc(k, 2 * old_size);
    CP_ASSERT(allocated); /* out of memory mid-run: nothing sensible to return */
    for (uint64_t s = 0; s < old_size; s++)
        if (old[s].key != SLOT_FREE)
            *slot_of(k, old[s].key) = old[s];
    free(old);
}

cp_event_handle cp_kernel_schedule_at(cp_kernel *k, double time, int priority, cp_event_fn fn,
                                      void *ctx, uint64_t arg) {
    CP_ASSERT(time >= k->now); /* also false for NaN */
    CP_ASSERT(priority >= CP_PRIORITY_MIN && priority <= CP_PRIORITY_MAX);
    CP_ASSERT(fn != NULL);
    /* Keep the table at most half full, so the search below is short. */
    if (k->count - k->stale_count >= k->slot_mask / 2)
        slots_grow(k);
    uint64_t seq = k->next_sequence;
    while (slot_of(k, seq)->key != SLOT_FREE)
        seq++;
    CP_ASSERT(seq <= SEQ_MASK);
    k->next_sequence = seq + 1;
    uint64_t key = ((uint64_t)(CP_PRIORITY_MAX - priority) << SEQ_BITS) | seq;
    event_slot *slot = slot_of(k, seq);
    slot->fn = fn;
    slot->ctx = ctx;
    slot->arg = arg;
    slot->key = key;
    queue_put(k, (entry){.time = time_bits(time), .key = key});
    k->count++;
    return (cp_event_handle)seq;
}

cp_event_handle cp_kernel_schedule_in(cp_kernel *k, double delay, int priority, cp_event_fn fn,
                                      void *ctx, uint64_t arg) {
    CP_ASSERT(delay >= 0.0);
    return cp_kernel_schedule_at(k, k->now + delay, priority, fn, ctx, arg);
}

bool cp_kernel_is_pending(const cp_kernel *k, cp_event_handle handle) {
    return handle != CP_EVENT_NONE && handle <= SEQ_MASK &&
           (slot_of(k, handle)->key & SEQ_MASK) == handle;
}

bool cp_kernel_cancel(cp_kernel *k, cp_event_handle handle) {
    if (!cp_kernel_is_pending(k, handle))
        return false;
    slot_of(k, handle)->key = SLOT_FREE;
    k->stale_count++;
    if (k->stale_count > 64 && k->stale_count > k->count - k->stale_count)
        queue_compact(k);
    return true;
}

cp_event_handle cp_kernel_reschedule(cp_kernel *k, cp_event_handle handle, double time) {
    if (!cp_kernel_is_pending(k, handle))
        return CP_EVENT_NONE;
    event_slot saved = *slot_of(k, handle);
    int priority = CP_PRIORITY_MAX - (int)(saved.key >> SEQ_BITS);
    (void)cp_kernel_cancel(k, handle);
    return cp_kernel_schedule_at(k, time, priority, saved.fn, saved.ctx, saved.arg);
}

/* The earliest live entry (dead ones in front are dropped), or NULL. */
static entry *live_front(cp_kernel *k) {
    for (;;) {
        entry *front = queue_front(k);
        if (!front || entry_is_live(k, front))
            return front;
        queue_drop(k, front);
        k->stale_count--;
    }
}

double cp_kernel_next_time(cp_kernel *k) {
    const entry *front = live_front(k);
    return front ? bits_time(front->time) : (double)INFINITY;
}

/* Runs the live front entry: its payload is copied, its slot freed and the
 * entry dropped before the handler runs, so the handler's own handle is
 * already stale. */
static void run_front(cp_kernel *k, entry *front) {
    event_slot *slot = slot_of(k, front->key);
    cp_event_fn fn = slot->fn;
    void *ctx = slot->ctx;
    uint64_t arg = slot->arg;
    slot->key = SLOT_FREE;
    double time = bits_time(front->time);
    queue_drop(k, front);
    CP_ASSERT(time >= k->now);
    k->now = time;
    k->events_run++;
    fn(k, ctx, arg);
}

bool cp_kernel_step(cp_kernel *k) {
    entry *front = live_front(k);
    if (!front)
        return false;
    run_front(k, front);
    return true;
}

uint64_t cp_kernel_run_until(cp_kernel *k, double t) {
    CP_ASSERT(t >= k->now);
    uint64_t before = k->events_run;
    uint64_t until = time_bits(t);
    /* An empty queue ends the loop too, so t = +infinity returns. */
    while (!k->stopped) {
        entry *front = live_front(k);
        if (!front || front->time > until)
            break;
        run_front(k, front);
    }
    if (!k->stopped)
        k->now = t;
    return k->events_run - before;
}

void cp_kernel_stop(cp_kernel *k) {
    k->stopped = true;
}

size_t cp_kernel_pending(const cp_kernel *k) {
    return k->count - k->stale_count;
}

uint64_t cp_kernel_entries_moved(const cp_kernel *k) {
    return k->moved;
}

uint64_t cp_kernel_events_run(const cp_kernel *k) {
    return k->events_run;
}
