/* kernel.c: event queue and clock. Contract in include/cpsim/kernel.h.
 *
 * Design. The heap holds 16-byte entries by value: (time, order key). The key
 * packs the inverted priority in its top 16 bits and the insertion sequence
 * in the low 48, so (time, key) is one double compare and one integer
 * compare. The array is offset so that the two children of a node always
 * share a cache line. Payloads (handler, ctx, arg) live in a slot table so
 * that sifting moves 16 bytes, not 40.
 *
 * The sequence number also names the slot: the event with sequence s lives in
 * slots[s & slot_mask], and its handle is s. Schedule takes the next sequence
 * number whose slot is free; the numbers it skips are never used, so the
 * sequence still increases and FIFO order is unaffected. With the table at
 * most half full that skips about one number per event on average. The table
 * doubles before it passes half full; slot_mask only gains bits, so pending
 * events that did not share a slot cannot share one after. This is what lets
 * a heap entry carry no slot index and no generation: an entry is live exactly
 * when slots[key & slot_mask].key == key, because a key is never reused (reset
 * does not restart the sequence, so handles from a previous replication stay
 * stale as well). 48 bits last about 10^14 events per kernel; an assertion
 * stops the run beyond that rather than let keys wrap.
 *
 * Rejected: a (slot, generation) pair in each entry, as in the first
 * version. With those 24-byte entries the kernel cost about 1.4x a plain
 * binary heap of 16-byte entries per hold at a million queued events
 * (tools/bench), against about 1.25x with 16-byte entries: at that size the
 * heap no longer fits in the last-level cache and every byte per entry shows.
 *
 * Why binary and not 4-ary: a 4-ary heap has half the depth and, with 16-byte
 * entries, a node's four children in one cache line, but measured with the
 * same code otherwise (hold model, 16 to 2^20 events) the binary heap was as
 * fast or faster at every size, by 2% at 16 events and about 12% from 65,536
 * up. We had no hardware counters to say why; a plausible reason is that the
 * three dependent compares per 4-ary level cost more than the extra level.
 * HEAP_ARITY is a parameter and the code is generic in it, so this is a
 * one-line experiment on another machine.
 *
 * Why step leaves the running event's entry at the root: a handler usually
 * schedules at least one event, and schedule overwrites a dead root and sifts
 * it down, one pass instead of a pop (sift down) and a push (sift up). If the
 * handler schedules nothing, the next step or next_time pops the dead root.
 *
 * Why lazy cancellation and not a position map: keeping each event's heap
 * position up to date costs a scattered write on every sift step, on every
 * event, to make the rare cancel O(log n). Lazy cancellation makes cancel O(1)
 * and costs one key compare per pop; dead entries are bounded by a compaction
 * when they outnumber live ones.
 *
 * Invariant: every heap entry is either live (slots[key & slot_mask].key ==
 * key, exactly one entry per occupied slot) or dead and counted in
 * stale_count. A free slot has key SLOT_FREE (sequence 0, never issued).
 */
#include "cpsim/kernel.h"

#include "cpsim/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HEAP_ARITY 2
#define SEQ_BITS 48
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define SLOT_FREE UINT64_C(0)
#define CACHE_LINE 64

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

typedef struct heap_entry {
    double time;
    uint64_t key; /* (CP_PRIORITY_MAX - priority) << 48 | sequence */
} heap_entry;

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
    heap_entry *heap;      /* heap_base + HEAP_ARITY - 1: see heap_alloc */
    heap_entry *heap_base; /* what was allocated */
    size_t heap_size;
    size_t heap_capacity;
    size_t stale_count;
    event_slot *slots;
    uint64_t slot_mask; /* slot table size - 1; the size is a power of two */
    bool stopped;       /* cp_kernel_stop: run_until returns early */
};

static inline bool entry_before(const heap_entry *a, const heap_entry *b) {
    return a->time < b->time || (a->time == b->time && a->key < b->key);
}

static inline event_slot *slot_of(const cp_kernel *k, uint64_t key) {
    return &k->slots[key & k->slot_mask];
}

static inline bool entry_is_live(const cp_kernel *k, const heap_entry *e) {
    return slot_of(k, e->key)->key == e->key;
}

/* Room for `capacity` entries such that the children of node i, entries
 * A i + 1 .. A i + A (A = HEAP_ARITY), start on a 16 A byte boundary of an
 * aligned block, so they never straddle a cache line: entry j sits at byte
 * 16 (j + A - 1) of the block. */
static heap_entry *heap_alloc(size_t capacity, heap_entry **base) {
    size_t bytes = (capacity + HEAP_ARITY) * sizeof(heap_entry);
    bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    *base = aligned_alloc(CACHE_LINE, bytes);
    return *base ? *base + (HEAP_ARITY - 1) : NULL;
}

static void heap_sift_up(heap_entry *heap, size_t i) {
    heap_entry moving = heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / HEAP_ARITY;
        if (!entry_before(&moving, &heap[parent]))
            break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = moving;
}

/* Sifts heap[i] down. When it starts at the root, the child that moves up is
 * the next event to run: its slot is prefetched then, so the miss overlaps
 * the rest of the sift instead of stalling the next step. */
static void heap_sift_down(const cp_kernel *k, size_t size, size_t i) {
    heap_entry *heap = k->heap;
    heap_entry moving = heap[i];
    for (;;) {
        size_t first = i * HEAP_ARITY + 1;
        if (first >= size)
            break;
        size_t best = first;
        size_t last = first + HEAP_ARITY < size ? first + HEAP_ARITY : size;
        for (size_t c = first + 1; c < last; c++)
            if (entry_before(&heap[c], &heap[best]))
                best = c;
        if (!entry_before(&heap[best], &moving))
            break;
        if (i == 0) /* only a sift that started at the root gets here */
            PREFETCH(slot_of(k, heap[best].key));
        heap[i] = heap[best];
        i = best;
    }
    heap[i] = moving;
}

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
    k->heap = heap_alloc(capacity, &k->heap_base);
    if (!k->heap || !slots_alloc(k, slot_count)) {
        cp_kernel_destroy(k);
        return NULL;
    }
    k->heap_capacity = capacity;
    k->next_sequence = 1;
    return k;
}

void cp_kernel_destroy(cp_kernel *kernel) {
    if (!kernel)
        return;
    free(kernel->heap_base);
    free(kernel->slots);
    free(kernel);
}

void cp_kernel_reset(cp_kernel *k) {
    /* The sequence carries on, so handles from a previous replication stay
     * stale instead of aliasing new events. */
    for (uint64_t s = 0; s <= k->slot_mask; s++)
        k->slots[s].key = SLOT_FREE;
    k->now = 0.0;
    k->events_run = 0;
    k->heap_size = 0;
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

static void heap_push(cp_kernel *k, heap_entry entry) {
    if (k->heap_size == k->heap_capacity) {
        size_t cap = k->heap_capacity * 2;
        heap_entry *base;
        heap_entry *grown = heap_alloc(cap, &base);
        CP_ASSERT(grown != NULL);
        memcpy(grown, k->heap, k->heap_size * sizeof *grown);
        free(k->heap_base);
        k->heap = grown;
        k->heap_base = base;
        k->heap_capacity = cap;
    }
    k->heap[k->heap_size] = entry;
    heap_sift_up(k->heap, k->heap_size);
    k->heap_size++;
}

static void heap_pop_top(cp_kernel *k) {
    k->heap_size--;
    if (k->heap_size > 0) {
        k->heap[0] = k->heap[k->heap_size];
        heap_sift_down(k, k->heap_size, 0);
    }
}

/* Drops dead entries and rebuilds the heap bottom-up in O(n). */
static void heap_compact(cp_kernel *k) {
    size_t kept = 0;
    for (size_t i = 0; i < k->heap_size; i++)
        if (entry_is_live(k, &k->heap[i]))
            k->heap[kept++] = k->heap[i];
    k->heap_size = kept;
    k->stale_count = 0;
    if (kept > 1)
        for (size_t i = (kept - 2) / HEAP_ARITY + 1; i-- > 0;)
            heap_sift_down(k, kept, i);
}

cp_event_handle cp_kernel_schedule_at(cp_kernel *k, double time, int priority, cp_event_fn fn,
                                      void *ctx, uint64_t arg) {
    CP_ASSERT(time >= k->now); /* also false for NaN */
    CP_ASSERT(priority >= CP_PRIORITY_MIN && priority <= CP_PRIORITY_MAX);
    CP_ASSERT(fn != NULL);
    /* Keep the table at most half full, so the search below is short. */
    if (2 * (uint64_t)(k->heap_size - k->stale_count + 1) > k->slot_mask + 1)
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
    heap_entry e = {.time = time, .key = key};
    if (k->heap_size > 0 && !entry_is_live(k, &k->heap[0])) {
        /* The root is dead (usually: the event whose handler is running).
         * Overwrite it and sift down. */
        k->stale_count--;
        k->heap[0] = e;
        heap_sift_down(k, k->heap_size, 0);
    } else {
        heap_push(k, e);
    }
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
    if (k->stale_count > 64 && k->stale_count > k->heap_size - k->stale_count)
        heap_compact(k);
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

double cp_kernel_next_time(cp_kernel *k) {
    while (k->heap_size > 0 && !entry_is_live(k, &k->heap[0])) {
        heap_pop_top(k);
        k->stale_count--;
    }
    return k->heap_size > 0 ? k->heap[0].time : (double)INFINITY;
}

bool cp_kernel_step(cp_kernel *k) {
    for (;;) {
        if (k->heap_size == 0)
            return false;
        heap_entry top = k->heap[0];
        event_slot *slot = slot_of(k, top.key);
        if (slot->key != top.key) {
            heap_pop_top(k);
            k->stale_count--;
            continue;
        }
        /* Copy the payload and free the slot before the handler runs, so the
         * handler's own handle is already stale. The root entry stays, dead,
         * for the handler's first schedule to overwrite. */
        cp_event_fn fn = slot->fn;
        void *ctx = slot->ctx;
        uint64_t arg = slot->arg;
        slot->key = SLOT_FREE;
        k->stale_count++;
        CP_ASSERT(top.time >= k->now);
        k->now = top.time;
        k->events_run++;
        fn(k, ctx, arg);
        return true;
    }
}

uint64_t cp_kernel_run_until(cp_kernel *k, double t) {
    CP_ASSERT(t >= k->now);
    uint64_t before = k->events_run;
    /* Stop on an empty queue too: next_time reports +infinity for it, so with
     * t = +infinity the time test alone would loop forever. */
    while (!k->stopped && cp_kernel_next_time(k) <= t && cp_kernel_step(k)) {
    }
    if (!k->stopped)
        k->now = t;
    return k->events_run - before;
}

void cp_kernel_stop(cp_kernel *k) {
    k->stopped = true;
}

size_t cp_kernel_pending(const cp_kernel *k) {
    return k->heap_size - k->stale_count;
}

uint64_t cp_kernel_events_run(const cp_kernel *k) {
    return k->events_run;
}
