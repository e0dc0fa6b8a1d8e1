/* kernel.c: event queue and clock. Contract in include/cpsim/kernel.h.
 *
 * Design. The heap holds small entries by value: (time, order key, slot,
 * generation) in 24 bytes. The order key packs the inverted priority in its
 * top 16 bits and the insertion sequence in the low 48, so (time, key) is one
 * double compare and one integer compare. Payloads (handler, ctx, arg) live in
 * a slot table so that sifting moves 24 bytes, not 48.
 *
 * Why 4-ary and not binary: a 4-ary heap has half the depth, and its four
 * children of a node sit in one or two cache lines, so at large sizes a pop
 * costs fewer cache misses; at small sizes the extra compares are cheap. The
 * benchmark in tools/bench compares it with a plain binary heap.
 *
 * Why lazy cancellation and not a position map: keeping each slot's heap
 * position up to date costs a scattered write on every sift step, on every
 * event, to make the rare cancel O(log n). Lazy cancellation makes cancel O(1)
 * and costs one generation compare per pop; stale entries are bounded by a
 * compaction when they outnumber live ones.
 *
 * Invariant: for every heap entry, either slots[e.slot].generation ==
 * e.generation (live, exactly one entry per live slot) or it is stale and
 * counted in stale_count.
 */
#include "cpsim/kernel.h"

#include "cpsim/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HEAP_ARITY 4
#define SEQ_BITS 48
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define SLOT_NONE UINT32_MAX

typedef struct heap_entry {
    double time;
    uint64_t key; /* (CP_PRIORITY_MAX - priority) << 48 | sequence */
    uint32_t slot;
    uint32_t generation;
} heap_entry;

typedef struct event_slot {
    cp_event_fn fn;
    void *ctx;
    uint64_t arg;
    uint32_t generation; /* odd while pending, even while free */
    union {
        uint32_t next_free; /* while free */
        int32_t priority;   /* while pending: kept for reschedule */
    } u;
} event_slot;

struct cp_kernel {
    double now;
    uint64_t next_sequence;
    uint64_t events_run;
    heap_entry *heap;
    size_t heap_size;
    size_t heap_capacity;
    size_t stale_count;
    event_slot *slots;
    uint32_t slot_count;
    uint32_t slot_capacity;
    uint32_t free_head;
};

static inline bool entry_before(const heap_entry *a, const heap_entry *b) {
    return a->time < b->time || (a->time == b->time && a->key < b->key);
}

static inline cp_event_handle make_handle(uint32_t slot, uint32_t generation) {
    return ((uint64_t)slot << 32) | generation;
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

static void heap_sift_down(heap_entry *heap, size_t size, size_t i) {
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
        heap[i] = heap[best];
        i = best;
    }
    heap[i] = moving;
}

cp_kernel *cp_kernel_create(size_t capacity) {
    cp_kernel *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    if (capacity < 16)
        capacity = 16;
    if (capacity > UINT32_MAX / 2)
        capacity = UINT32_MAX / 2;
    k->heap = malloc(capacity * sizeof *k->heap);
    k->slots = malloc(capacity * sizeof *k->slots);
    if (!k->heap || !k->slots) {
        cp_kernel_destroy(k);
        return NULL;
    }
    k->heap_capacity = capacity;
    k->slot_capacity = (uint32_t)capacity;
    cp_kernel_reset(k);
    return k;
}

void cp_kernel_destroy(cp_kernel *kernel) {
    if (!kernel)
        return;
    free(kernel->heap);
    free(kernel->slots);
    free(kernel);
}

void cp_kernel_reset(cp_kernel *k) {
    /* Slots keep their generations across a reset, so handles from a previous
     * replication stay stale instead of aliasing new events. */
    for (uint32_t s = 0; s < k->slot_count; s++) {
        if (k->slots[s].generation & 1u)
            k->slots[s].generation++;
        k->slots[s].u.next_free = s + 1 < k->slot_count ? s + 1 : SLOT_NONE;
    }
    k->free_head = k->slot_count > 0 ? 0 : SLOT_NONE;
    k->now = 0.0;
    k->next_sequence = 0;
    k->events_run = 0;
    k->heap_size = 0;
    k->stale_count = 0;
}

double cp_kernel_now(const cp_kernel *kernel) {
    return kernel->now;
}

static uint32_t slot_acquire(cp_kernel *k) {
    if (k->free_head != SLOT_NONE) {
        uint32_t s = k->free_head;
        k->free_head = k->slots[s].u.next_free;
        return s;
    }
    if (k->slot_count == k->slot_capacity) {
        CP_ASSERT(k->slot_capacity <= UINT32_MAX / 2);
        uint32_t cap = k->slot_capacity * 2;
        event_slot *grown = realloc(k->slots, (size_t)cap * sizeof *grown);
        CP_ASSERT(grown != NULL); /* out of memory mid-run: nothing sensible to return */
        k->slots = grown;
        k->slot_capacity = cap;
    }
    uint32_t s = k->slot_count++;
    k->slots[s].generation = 0;
    return s;
}

static void slot_release(cp_kernel *k, uint32_t s) {
    k->slots[s].generation++; /* odd -> even: free; outstanding handles go stale */
    k->slots[s].u.next_free = k->free_head;
    k->free_head = s;
}

static void heap_push(cp_kernel *k, heap_entry entry) {
    if (k->heap_size == k->heap_capacity) {
        size_t cap = k->heap_capacity * 2;
        heap_entry *grown = realloc(k->heap, cap * sizeof *grown);
        CP_ASSERT(grown != NULL);
        k->heap = grown;
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
        heap_sift_down(k->heap, k->heap_size, 0);
    }
}

static inline bool entry_is_live(const cp_kernel *k, const heap_entry *e) {
    return k->slots[e->slot].generation == e->generation;
}

/* Drops stale entries and rebuilds the heap bottom-up in O(n). */
static void heap_compact(cp_kernel *k) {
    size_t kept = 0;
    for (size_t i = 0; i < k->heap_size; i++)
        if (entry_is_live(k, &k->heap[i]))
            k->heap[kept++] = k->heap[i];
    k->heap_size = kept;
    k->stale_count = 0;
    if (kept > 1)
        for (size_t i = (kept - 2) / HEAP_ARITY + 1; i-- > 0;)
            heap_sift_down(k->heap, kept, i);
}

cp_event_handle cp_kernel_schedule_at(cp_kernel *k, double time, int priority, cp_event_fn fn,
                                      void *ctx, uint64_t arg) {
    CP_ASSERT(time >= k->now); /* also false for NaN */
    CP_ASSERT(priority >= CP_PRIORITY_MIN && priority <= CP_PRIORITY_MAX);
    CP_ASSERT(fn != NULL);
    CP_ASSERT(k->next_sequence <= SEQ_MASK);
    uint32_t s = slot_acquire(k);
    event_slot *slot = &k->slots[s];
    slot->fn = fn;
    slot->ctx = ctx;
    slot->arg = arg;
    slot->u.priority = (int32_t)priority;
    slot->generation++; /* even -> odd: pending */
    heap_entry e = {.time = time,
                    .key = ((uint64_t)(CP_PRIORITY_MAX - priority) << SEQ_BITS) |
                           k->next_sequence++,
                    .slot = s,
                    .generation = slot->generation};
    heap_push(k, e);
    return make_handle(s, slot->generation);
}

cp_event_handle cp_kernel_schedule_in(cp_kernel *k, double delay, int priority, cp_event_fn fn,
                                      void *ctx, uint64_t arg) {
    CP_ASSERT(delay >= 0.0);
    return cp_kernel_schedule_at(k, k->now + delay, priority, fn, ctx, arg);
}

bool cp_kernel_is_pending(const cp_kernel *k, cp_event_handle handle) {
    uint32_t s = (uint32_t)(handle >> 32);
    uint32_t generation = (uint32_t)handle;
    return handle != CP_EVENT_NONE && s < k->slot_count && (generation & 1u) &&
           k->slots[s].generation == generation;
}

bool cp_kernel_cancel(cp_kernel *k, cp_event_handle handle) {
    if (!cp_kernel_is_pending(k, handle))
        return false;
    slot_release(k, (uint32_t)(handle >> 32));
    k->stale_count++;
    if (k->stale_count > 64 && k->stale_count > k->heap_size - k->stale_count)
        heap_compact(k);
    return true;
}

cp_event_handle cp_kernel_reschedule(cp_kernel *k, cp_event_handle handle, double time) {
    if (!cp_kernel_is_pending(k, handle))
        return CP_EVENT_NONE;
    event_slot saved = k->slots[(uint32_t)(handle >> 32)];
    int priority = saved.u.priority;
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
        heap_pop_top(k);
        if (!entry_is_live(k, &top)) {
            k->stale_count--;
            continue;
        }
        /* Copy the payload and free the slot before the handler runs, so the
         * handler can reuse it and its own handle is already stale. */
        event_slot *slot = &k->slots[top.slot];
        cp_event_fn fn = slot->fn;
        void *ctx = slot->ctx;
        uint64_t arg = slot->arg;
        slot_release(k, top.slot);
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
    while (cp_kernel_next_time(k) <= t && cp_kernel_step(k)) {
    }
    k->now = t;
    return k->events_run - before;
}

size_t cp_kernel_pending(const cp_kernel *k) {
    return k->heap_size - k->stale_count;
}

uint64_t cp_kernel_events_run(const cp_kernel *k) {
    return k->events_run;
}
