/* diag.c: diagnostics, the reporting sink, and "did you mean" suggestions.
 *
 * Contract: a cp_diagnostics list grows as errors are reported and is freed
 * by cp_diagnostics_fini. During one load the sink appends to it, counts
 * every error (also those past SCENARIO_DIAG_LIMIT, and when the caller
 * passed no list), and turns an allocation failure into a flag the loader
 * returns as CP_ENOMEM, so reporting never fails in the middle of a pass.
 * Suggestions use the optimal-string-alignment distance (Levenshtein plus
 * adjacent transpositions, so "ture" is one edit from "true") and accept a
 * candidate only within a few edits, scaled to the word's length, so a
 * wild name gets no suggestion rather than a misleading one.
 */
#include "scenario_internal.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cp_diagnostics_init(cp_diagnostics *diags) {
    diags->errors = 0;
    diags->count = 0;
    diags->capacity = 0;
    diags->items = NULL;
}

void cp_diagnostics_fini(cp_diagnostics *diags) {
    free(diags->items);
    cp_diagnostics_init(diags);
}

void cp_diagnostic_format(const cp_diagnostic *d, char *buf, size_t size) {
    char where[400];
    if (d->line > 0)
        snprintf(where, sizeof where, "%s:%d", d->file, d->line);
    else
        snprintf(where, sizeof where, "%s", d->file);
    if (d->section[0] && d->key[0])
        snprintf(buf, size, "%s: [%s] %s: %s", where, d->section, d->key, d->message);
    else if (d->section[0])
        snprintf(buf, size, "%s: [%s]: %s", where, d->section, d->message);
    else if (d->key[0])
        snprintf(buf, size, "%s: %s: %s", where, d->key, d->message);
    else
        snprintf(buf, size, "%s: %s", where, d->message);
}

void scenario_sink_init(scenario_sink *sink, cp_diagnostics *diags) {
    sink->diags = diags;
    sink->first = diags ? diags->count : 0;
    sink->errors = 0;
    sink->out_of_memory = false;
}

static cp_diagnostic *sink_push(scenario_sink *sink) {
    cp_diagnostics *d = sink->diags;
    if (d->count == d->capacity) {
        size_t capacity = d->capacity ? d->capacity * 2 : 16;
        cp_diagnostic *items = realloc(d->items, capacity * sizeof *items);
        if (!items) {
            sink->out_of_memory = true;
            return NULL;
        }
        d->items = items;
        d->capacity = capacity;
    }
    cp_diagnostic *item = &d->items[d->count++];
    memset(item, 0, sizeof *item);
    return item;
}

static void copy_text(char *dst, size_t size, const char *src) {
    snprintf(dst, size, "%s", src ? src : "");
}

void scenario_report(scenario_sink *sink, const char *file, int line, const char *section,
                     const char *key, const char *fmt, ...) {
    sink->errors++;
    if (!sink->diags || sink->errors > SCENARIO_DIAG_LIMIT)
        return;
    cp_diagnostic *d = sink_push(sink);
    if (!d)
        return;
    copy_text(d->file, sizeof d->file, file);
    d->line = line;
    copy_text(d->section, sizeof d->section, section);
    copy_text(d->key, sizeof d->key, key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message, sizeof d->message, fmt, ap);
    va_end(ap);
}

bool scenario_sink_quiet(const scenario_sink *sink) {
    return !sink->diags || sink->errors >= SCENARIO_DIAG_LIMIT;
}

/* Sort rank: the file's own diagnostics by line (line 0, file-wide ones,
 * after the lines), then everything else (--set) in the order reported. */
static long diag_rank(const cp_diagnostic *d, const char *file) {
    if (file && strcmp(d->file, file) == 0)
        return d->line > 0 ? d->line : INT_MAX;
    return (long)INT_MAX + 1;
}

void scenario_sink_finish(scenario_sink *sink, const char *file) {
    if (!sink->diags)
        return;
    sink->diags->errors += sink->errors;
    cp_diagnostic *items = sink->diags->items;
    size_t end = sink->diags->count;
    /* Insertion sort: stable, and the list is at most SCENARIO_DIAG_LIMIT. */
    for (size_t i = sink->first + 1; i < end; i++) {
        cp_diagnostic moving = items[i];
        long rank = diag_rank(&moving, file);
        size_t j = i;
        while (j > sink->first && diag_rank(&items[j - 1], file) > rank) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = moving;
    }
    if (sink->errors > SCENARIO_DIAG_LIMIT) {
        cp_diagnostic *d = sink_push(sink);
        if (d) {
            copy_text(d->file, sizeof d->file, file ? file : "--set");
            snprintf(d->message, sizeof d->message,
                     "%zu more errors not shown; fix the ones above first",
                     sink->errors - SCENARIO_DIAG_LIMIT);
        }
    }
}

/* Names longer than this are not typos of a schema name; the bound keeps
 * the distance table on the stack. */
#define SUGGEST_WORD_MAX 64

size_t scenario_edit_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > SUGGEST_WORD_MAX || m > SUGGEST_WORD_MAX)
        return SIZE_MAX / 2;
    size_t rows[3][SUGGEST_WORD_MAX + 1];
    size_t *before = rows[0], *previous = rows[1], *current = rows[2];
    for (size_t j = 0; j <= m; j++)
        previous[j] = j;
    for (size_t i = 1; i <= n; i++) {
        current[0] = i;
        char ai = (char)tolower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= m; j++) {
            char bj = (char)tolower((unsigned char)b[j - 1]);
            size_t cost = ai == bj ? 0 : 1;
            size_t best = previous[j] + 1; /* deletion */
            if (current[j - 1] + 1 < best)
                best = current[j - 1] + 1; /* insertion */
            if (previous[j - 1] + cost < best)
                best = previous[j - 1] + cost; /* substitution */
            if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == bj && before[j - 2] + 1 < best)
                best = before[j - 2] + 1; /* transposition */
            current[j] = best;
        }
        size_t *recycled = before;
        before = previous;
        previous = current;
        current = recycled;
    }
    return previous[m];
}

/* The next '_'-separated word of *s: its start and length; advances *s. */
static size_t next_word(const char **s, const char **start) {
    while (**s == '_')
        (*s)++;
    *start = *s;
    while (**s && **s != '_')
        (*s)++;
    return (size_t)(*s - *start);
}

static bool word_matches(const char *a, size_t na, const char *b, size_t nb) {
    size_t n = na < nb ? na : nb;
    if (n < 3 && na != nb)
        return false;
    return strncasecmp(a, b, n) == 0;
}

bool scenario_words_match(const char *word, const char *candidate) {
    const char *w = word, *start;
    bool any = false;
    for (size_t nw; (nw = next_word(&w, &start)) > 0;) {
        bool found = false;
        const char *c = candidate, *cstart;
        for (size_t nc; !found && (nc = next_word(&c, &cstart)) > 0;)
            found = word_matches(start, nw, cstart, nc);
        if (!found)
            return false;
        any = true;
    }
    return any;
}

void scenario_suggest_init(scenario_suggester *s, const char *word) {
    s->word = word;
    s->best = NULL;
    s->best_distance = SIZE_MAX;
}

void scenario_suggest_consider(scenario_suggester *s, const char *candidate) {
    size_t distance = scenario_edit_distance(s->word, candidate);
    if (distance < s->best_distance) { /* strict: the first of equals wins, deterministically */
        s->best = candidate;
        s->best_distance = distance;
    }
}

const char *scenario_suggest_result(const scenario_suggester *s) {
    /* One- and two-letter words are a single edit from too many others
     * ("2" from "1") for a guess to help. */
    size_t length = strlen(s->word);
    if (length < 3)
        return NULL;
    size_t allowed = length <= 3 ? 1 : length <= 6 ? 2 : 3;
    if (s->best && s->best_distance > 0 && s->best_distance <= allowed)
        return s->best;
    return NULL;
}
