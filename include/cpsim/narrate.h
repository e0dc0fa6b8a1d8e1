/* cpsim/narrate.h: the story of one run, week by week, in plain language.
 *
 * Contract
 * - A cp_narrator is a model observer (cp_observer_fn): it turns the
 *   model's cp_story_event stream into sentences grouped by week ("Week 12
 *   (late March, year 1): ..."), for a trainer rather than an analyst.
 * - Weeks count from the end of the warm-up (week 1 is the first week the
 *   statistics count) or, with from_start, from day 0; the text says which.
 *   Events before the first told week only update who is who.
 * - Workers get stable numbers: the team at the start keeps numbers 1..P
 *   (P = posts), and everyone who joins later gets the next number, so a
 *   number is never reused even though the model reuses worker slots.
 * - Repetition is summarised: several events of one kind in a week become
 *   one sentence ("3 high-risk cases waited over a week (longest 19 days)"),
 *   and runs of quiet weeks one line ("Weeks 13-15: quiet ...").
 * - The text depends only on the events, so it is deterministic for a
 *   (config, seed, replication). Nothing here prints: text goes to a cp_buf.
 */
#ifndef CPSIM_NARRATE_H
#define CPSIM_NARRATE_H

#include "cpsim/config.h"
#include "cpsim/error.h"
#include "cpsim/model.h"
#include "cpsim/output.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct cp_narrate_options {
    int weeks;         /* weeks to tell, >= 1 */
    bool from_start;   /* count weeks from day 0, warm-up included */
    const char *label; /* the scenario's name for the opening line; may be NULL */
} cp_narrate_options;

typedef struct cp_narrator cp_narrator;

/* CP_EINPUT when weeks < 1. */
cp_narrator *cp_narrator_create(const cp_config *cfg, const cp_narrate_options *opt, cp_error *err);
void cp_narrator_destroy(cp_narrator *n);

/* The observer: pass with the narrator as ctx to cp_model_set_observer. */
void cp_narrator_observe(void *ctx, const cp_story_event *event);

/* Finishes the story (the last week, the closing tally) and appends it all
 * to out. Call once, after the run. */
void cp_narrator_finish(cp_narrator *n, cp_buf *out);

/* Runs replication `replication` of cfg with master seed `seed` under a
 * narrator and appends the story to out. */
cp_status cp_narrate_run(const cp_config *cfg, uint64_t seed, uint64_t replication,
                         const cp_narrate_options *opt, cp_buf *out, cp_error *err);

#endif
