/* narrate.c: the story of one run, week by week (contract in
 * cpsim/narrate.h).
 *
 * Events arrive in time order, so the narrator keeps one week's worth in an
 * accumulator and writes it out when an event from a later week arrives (or
 * at the end). Writing per week rather than per event is what lets it
 * summarise: "workers 3, 5 and 7 went over the cap" instead of three lines.
 * Quiet weeks (nothing but the series tick) are held back and written as one
 * line per run of them, with the range of the waiting list over the run.
 *
 * Worker numbers: the model reuses a departed worker's slot for the next
 * starter, which would make "worker 4 left ... worker 4 joined" read as one
 * person coming back. The narrator maps slots to people instead: the team at
 * the start keeps slot + 1 (the model numbers them first, one per post at
 * most), and each JOINED event gives the slot a fresh number from P + 1 on.
 *
 * Memory: the accumulator has fixed room per kind of event (a week rarely
 * holds more than a handful); beyond it, events are still counted, only not
 * named ("and 4 others").
 */
#include "cpsim/narrate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEEK 7.0
#define YEAR 365.0
#define NAMED 12          /* events of one kind named per week */
#define SLOTS_MAX 4096    /* worker slots tracked; a team is far smaller */
#define HIGH_BURNOUT 60.0 /* above this, sickness is told as burnout's doing */

typedef struct person_event {
    int person;
    const char *type;
    double experience, burnout, value;
    const char *detail;
    bool had_notice;
} person_event;

typedef struct event_list {
    size_t count;
    person_event items[NAMED];
} event_list;

typedef struct week_acc {
    int week; /* 0: nothing collected yet */
    event_list joined, resigned, left, over_cap, sick, harm;
    size_t waiting_count;
    double waiting_longest;
    double missed[4];   /* by cause: unallocated, not recognised, visits overdue, other */
    char notes[4][200]; /* shocks and inspections */
    size_t note_count;
    bool has_row;
    double row[CP_SERIES_COUNT];
} week_acc;

typedef struct tally {
    size_t joined, left, resigned, over_cap, waiting, sick, harm, missed, quiet;
} tally;

struct cp_narrator {
    cp_config cfg;
    cp_narrate_options opt;
    double origin; /* day of the start of week 1 */
    int posts;
    int next_person;
    int person_of[SLOTS_MAX]; /* slot -> person number, 0 = unknown yet */
    bool on_notice[SLOTS_MAX];
    week_acc acc;
    int quiet_from, quiet_to;  /* a run of quiet weeks not yet written; 0 = none */
    double quiet_lo, quiet_hi; /* waiting list over it */
    double quiet_missed[4];    /* missed-risk episodes over it, by cause */
    tally total;
    int last_week_seen;
    cp_buf text;
};

static void list_add(event_list *l, const person_event *e) {
    if (l->count < NAMED)
        l->items[l->count] = *e;
    l->count++;
}

/* Quiet: nothing happened to the staff and no child came to harm. Missed-risk
 * episodes alone do not break the quiet (they happen most weeks in a
 * stretched team); they are added up over the quiet run instead. */
static bool week_is_quiet(const week_acc *a) {
    return a->joined.count == 0 && a->resigned.count == 0 && a->left.count == 0 &&
           a->over_cap.count == 0 && a->sick.count == 0 && a->harm.count == 0 &&
           a->waiting_count == 0 && a->note_count == 0;
}

static const char *const missed_why[4] = {"unallocated", "with risk not recognised",
                                          "with visits overdue", "for another reason"};

/* "; 3 high-risk children were left without ... (1 unallocated, 2 with ...)" */
static void missed_words(cp_buf *b, const double missed[4]) {
    double total = missed[0] + missed[1] + missed[2] + missed[3];
    if (total <= 0.0)
        return;
    cp_buf_printf(b, "%.0f high-risk %s left without the protection they needed (", total,
                  total == 1.0 ? "child was" : "children were");
    bool first = true;
    for (int k = 0; k < 4; k++) {
        if (missed[k] > 0.0) {
            cp_buf_printf(b, "%s%.0f %s", first ? "" : ", ", missed[k], missed_why[k]);
            first = false;
        }
    }
    cp_buf_puts(b, ")");
}

static void waiting_words(cp_buf *b, double lo, double hi) {
    if (!isfinite(lo))
        return;
    if (hi < 0.05)
        cp_buf_puts(b, "no cases waiting");
    else if (hi - lo < 0.05)
        cp_buf_printf(b, "%.1f cases waiting", lo);
    else
        cp_buf_printf(b, "%.1f to %.1f cases waiting", lo, hi);
}

/* "Worker 3", "Workers 3 and 5", "Workers 3, 5 and 7", "Workers 3, 5, 7 and 4 others" */
static void persons(cp_buf *b, const event_list *l) {
    size_t named = l->count < NAMED ? l->count : NAMED;
    cp_buf_puts(b, l->count == 1 ? "Worker " : "Workers ");
    for (size_t i = 0; i < named; i++) {
        const char *sep = i == 0 ? "" : (i + 1 == named && named == l->count) ? " and " : ", ";
        cp_buf_printf(b, "%s%d", sep, l->items[i].person);
    }
    if (l->count > named)
        cp_buf_printf(b, " and %zu others", l->count - named);
}

static const char *type_words(const char *type) {
    if (!type)
        return "social worker";
    if (strcmp(type, "NQSW") == 0)
        return "newly qualified";
    if (strcmp(type, "agency") == 0)
        return "agency";
    return "permanent";
}

static void experience_words(char *out, size_t size, double years) {
    if (years < 1.0)
        snprintf(out, size, "under a year's experience");
    else if (years < 1.5)
        snprintf(out, size, "a year's experience");
    else
        snprintf(out, size, "%.0f years' experience", years);
}

static void week_heading(cp_narrator *n, int week) {
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    static const int month_start[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
    double day = n->origin + ((double)week - 0.5) * WEEK; /* the middle of the week */
    int year = (int)floor(day / YEAR);
    int doy = (int)floor(day - (double)year * YEAR);
    int m = 0;
    while (m < 11 && doy >= month_start[m + 1])
        m++;
    int dom = doy - month_start[m];
    const char *part = dom < 10 ? "early" : dom < 20 ? "mid" : "late";
    bool warm = day < n->cfg.warmup_years * YEAR;
    cp_buf_printf(&n->text, "Week %d (%s %s, year %d%s):\n", week, part, months[m], year + 1,
                  warm ? ", warm-up" : "");
}

static void flush_quiet(cp_narrator *n) {
    if (!n->quiet_from)
        return;
    cp_buf *b = &n->text;
    if (n->quiet_from == n->quiet_to)
        cp_buf_printf(b, "Week %d: no staff changes and no harm", n->quiet_from);
    else
        cp_buf_printf(b, "Weeks %d-%d: no staff changes and no harm", n->quiet_from, n->quiet_to);
    if (isfinite(n->quiet_lo)) {
        cp_buf_puts(b, "; ");
        waiting_words(b, n->quiet_lo, n->quiet_hi);
    }
    if (n->quiet_missed[0] + n->quiet_missed[1] + n->quiet_missed[2] + n->quiet_missed[3] > 0) {
        cp_buf_puts(b, "; ");
        missed_words(b, n->quiet_missed);
    }
    cp_buf_puts(b, ".\n\n");
    n->quiet_from = n->quiet_to = 0;
    memset(n->quiet_missed, 0, sizeof n->quiet_missed);
}

static void status_line(cp_buf *b, const double *row) {
    double perm = row[CP_SERIES_PERMANENT_FTE], agency = row[CP_SERIES_AGENCY_FTE];
    cp_buf_puts(b, "  Team at the end of the week: ");
    waiting_words(b, row[CP_SERIES_UNALLOCATED], row[CP_SERIES_UNALLOCATED]);
    if (row[CP_SERIES_HIGH_RISK_UNALLOCATED] >= 0.05)
        cp_buf_printf(b, " (%.1f high-risk)", row[CP_SERIES_HIGH_RISK_UNALLOCATED]);
    cp_buf_printf(b, "; %.1f cases per worker, %.0f at most; burnout %.0f; in post %.3g permanent",
                  row[CP_SERIES_CASELOAD_MEAN], row[CP_SERIES_CASELOAD_MAX],
                  row[CP_SERIES_BURNOUT_MEAN], perm);
    if (agency > 0.0)
        cp_buf_printf(b, " and %.3g agency", agency);
    if (row[CP_SERIES_VACANCIES] > 0.0)
        cp_buf_printf(b, "; %.3g %s without a permanent holder", row[CP_SERIES_VACANCIES],
                      row[CP_SERIES_VACANCIES] == 1.0 ? "post" : "posts");
    if (row[CP_SERIES_ABSENT] > 0.0)
        cp_buf_printf(b, "; %.0f off sick", row[CP_SERIES_ABSENT]);
    cp_buf_puts(b, ".\n");
}

static void write_week(cp_narrator *n) {
    week_acc *a = &n->acc;
    cp_buf *b = &n->text;
    char exp[64];
    if (week_is_quiet(a)) {
        double w = a->has_row ? a->row[CP_SERIES_UNALLOCATED] : (double)NAN;
        if (n->quiet_from && n->quiet_to + 1 == a->week) {
            n->quiet_to = a->week;
        } else {
            flush_quiet(n);
            n->quiet_from = n->quiet_to = a->week;
            n->quiet_lo = n->quiet_hi = w;
        }
        if (isfinite(w)) {
            n->quiet_lo = isfinite(n->quiet_lo) && n->quiet_lo < w ? n->quiet_lo : w;
            n->quiet_hi = isfinite(n->quiet_hi) && n->quiet_hi > w ? n->quiet_hi : w;
        }
        for (int k = 0; k < 4; k++)
            n->quiet_missed[k] += a->missed[k];
        n->total.quiet++;
        return;
    }
    flush_quiet(n);
    week_heading(n, a->week);
    for (size_t i = 0; i < a->note_count; i++)
        cp_buf_printf(b, "  - %s\n", a->notes[i]);
    for (size_t i = 0; i < a->joined.count && i < NAMED; i++) {
        const person_event *e = &a->joined.items[i];
        experience_words(exp, sizeof exp, e->experience);
        if (e->type && strcmp(e->type, "NQSW") == 0)
            cp_buf_printf(b,
                          "  - Worker %d joined, newly qualified (a protected caseload and "
                          "weekly supervision at first).\n",
                          e->person);
        else if (e->type && strcmp(e->type, "agency") == 0)
            cp_buf_printf(b, "  - Worker %d joined from an agency to cover a vacancy, %s.\n",
                          e->person, exp);
        else
            cp_buf_printf(b, "  - Worker %d joined as a permanent social worker, %s.\n", e->person,
                          exp);
    }
    if (a->joined.count > NAMED)
        cp_buf_printf(b, "  - %zu more workers joined.\n", a->joined.count - NAMED);
    for (size_t i = 0; i < a->resigned.count && i < NAMED; i++) {
        const person_event *e = &a->resigned.items[i];
        experience_words(exp, sizeof exp, e->experience);
        cp_buf_printf(b,
                      "  - Worker %d (%s, %s) handed in notice with burnout at %.0f out of "
                      "100; they leave in %.0f weeks.\n",
                      e->person, type_words(e->type), exp, e->burnout, e->value);
    }
    if (a->resigned.count > NAMED)
        cp_buf_printf(b, "  - %zu more workers handed in notice.\n", a->resigned.count - NAMED);
    for (size_t i = 0; i < a->left.count && i < NAMED; i++) {
        const person_event *e = &a->left.items[i];
        bool agency = e->type && strcmp(e->type, "agency") == 0;
        if (agency && !e->had_notice)
            cp_buf_printf(b,
                          "  - Agency worker %d was released: a permanent worker took the "
                          "post",
                          e->person);
        else
            cp_buf_printf(b, "  - Worker %d (%s) left", e->person, type_words(e->type));
        if (e->value > 0.0)
            cp_buf_printf(b, "; %.0f %s went back to the waiting list.\n", e->value,
                          e->value == 1.0 ? "case" : "cases");
        else
            cp_buf_puts(b, ".\n");
    }
    if (a->left.count > NAMED)
        cp_buf_printf(b, "  - %zu more workers left.\n", a->left.count - NAMED);
    if (a->over_cap.count > 0) {
        double most = 0.0;
        for (size_t i = 0; i < a->over_cap.count && i < NAMED; i++)
            most = a->over_cap.items[i].value > most ? a->over_cap.items[i].value : most;
        cp_buf_puts(b, "  - ");
        persons(b, &a->over_cap);
        cp_buf_printf(b, " went over the case cap (%s %.0f cases per FTE).\n",
                      a->over_cap.count == 1 ? "now" : "up to", most);
    }
    if (a->waiting_count == 1)
        cp_buf_printf(b,
                      "  - A high-risk case waited %.0f days unallocated before a social "
                      "worker took it.\n",
                      a->waiting_longest);
    else if (a->waiting_count > 1)
        cp_buf_printf(b,
                      "  - %zu high-risk cases waited over a week unallocated (the longest "
                      "%.0f days).\n",
                      a->waiting_count, a->waiting_longest);
    for (size_t i = 0; i < a->sick.count && i < NAMED; i++) {
        const person_event *e = &a->sick.items[i];
        if (e->value < 1.0)
            cp_buf_printf(b, "  - Worker %d went off sick (%s, under a day)", e->person,
                          e->detail ? e->detail : "a spell");
        else
            cp_buf_printf(b, "  - Worker %d went off sick (%s, about %.0f working %s)", e->person,
                          e->detail ? e->detail : "a spell", e->value,
                          e->value < 1.5 ? "day" : "days");
        if (e->burnout >= HIGH_BURNOUT)
            cp_buf_printf(b, ": burnout at %.0f out of 100 made this more likely", e->burnout);
        cp_buf_puts(b, ".\n");
    }
    if (a->sick.count > NAMED)
        cp_buf_printf(b, "  - %zu more workers went off sick.\n", a->sick.count - NAMED);
    for (size_t i = 0; i < a->harm.count && i < NAMED; i++) {
        const person_event *e = &a->harm.items[i];
        static const char *const risk[] = {"low", "medium", "high"};
        int lvl = (int)e->value;
        const char *rl = lvl >= 0 && lvl <= 2 ? risk[lvl] : "unknown";
        const char *cause = e->detail ? e->detail : "";
        if (strcmp(cause, "unallocated") == 0)
            cp_buf_printf(b,
                          "  - A child (%s risk) came to serious harm while their case was "
                          "unallocated: only duty cover was watching.\n",
                          rl);
        else if (strcmp(cause, "risk not recognised") == 0)
            cp_buf_printf(b,
                          "  - A child (%s risk) came to serious harm because their risk "
                          "had not been recognised%s.\n",
                          rl, e->person > 0 ? "" : " (case closed or screened out)");
        else if (strcmp(cause, "visits overdue") == 0)
            cp_buf_printf(b,
                          "  - A child (%s risk) came to serious harm with statutory visits "
                          "overdue.\n",
                          rl);
        else
            cp_buf_printf(b,
                          "  - A child (%s risk) came to serious harm despite being "
                          "protected: protection cuts the risk, it cannot remove it.\n",
                          rl);
    }
    if (a->harm.count > NAMED)
        cp_buf_printf(b, "  - %zu more children came to serious harm.\n", a->harm.count - NAMED);
    double missed = a->missed[0] + a->missed[1] + a->missed[2] + a->missed[3];
    if (missed > 0.0) {
        cp_buf_puts(b, "  - Missed risk: ");
        missed_words(b, a->missed);
        cp_buf_puts(b, ".\n");
    }
    if (a->has_row)
        status_line(b, a->row);
    cp_buf_puts(b, "\n");
}

static void acc_reset(week_acc *a, int week) {
    memset(a, 0, sizeof *a);
    a->week = week;
}

cp_narrator *cp_narrator_create(const cp_config *cfg, const cp_narrate_options *opt,
                                cp_error *err) {
    if (opt->weeks < 1) {
        cp_error_set(err, CP_EINPUT, "--weeks must be at least 1 (got %d)", opt->weeks);
        return NULL;
    }
    cp_narrator *n = calloc(1, sizeof *n);
    if (!n) {
        cp_error_set(err, CP_ENOMEM, "out of memory for the story");
        return NULL;
    }
    n->cfg = *cfg;
    n->opt = *opt;
    n->origin = opt->from_start ? 0.0 : cfg->warmup_years * YEAR;
    n->posts = (int)ceil(cfg->social_workers - 1e-9);
    n->next_person = n->posts + 1;
    cp_buf_init(&n->text);
    double total_weeks = floor(((cfg->warmup_years + cfg->years) * YEAR - n->origin) / WEEK);
    cp_buf_printf(&n->text, "The story of one run%s%s%s, told week by week ",
                  opt->label ? " of \"" : "", opt->label ? opt->label : "", opt->label ? "\"" : "");
    if (opt->from_start)
        cp_buf_printf(&n->text,
                      "from the very start: the first %.0f weeks are the warm-up, "
                      "which the statistics leave out.\n",
                      floor(cfg->warmup_years * YEAR / WEEK));
    else
        cp_buf_puts(&n->text, "from the end of the warm-up: week 1 is the first week the "
                              "statistics count.\n");
    cp_buf_printf(&n->text,
                  "The team has %.3g social worker posts and a case cap of %.3g; "
                  "workers 1 to %d are the team at the start, later starters "
                  "are numbered from %d.",
                  cfg->social_workers,
                  cfg->caseload_target > 0 ? cfg->caseload_target : cfg->cap_cases, n->posts,
                  n->posts + 1);
    if ((double)opt->weeks > total_weeks)
        cp_buf_printf(&n->text, " The run has only %.0f weeks to tell.", total_weeks);
    cp_buf_puts(&n->text, "\n\n");
    return n;
}

void cp_narrator_destroy(cp_narrator *n) {
    if (!n)
        return;
    cp_buf_fini(&n->text);
    free(n);
}

static int person_for(cp_narrator *n, int slot, bool joined) {
    if (slot < 0 || slot >= SLOTS_MAX)
        return 0;
    if (joined) {
        n->person_of[slot] = n->next_person++;
        n->on_notice[slot] = false;
    } else if (n->person_of[slot] == 0) {
        n->person_of[slot] = slot + 1; /* a member of the team at the start */
    }
    return n->person_of[slot];
}

/* The week an event belongs to. A tick marks the end of its interval, so a
 * tick exactly at a week's end belongs to that week, not the next. */
static int week_of(const cp_narrator *n, double t, bool tick) {
    double w = (t - n->origin) / WEEK;
    return (int)floor(tick ? w - 1e-9 : w) + 1;
}

void cp_narrator_observe(void *ctx, const cp_story_event *ev) {
    cp_narrator *n = ctx;
    bool tick = ev->kind == CP_STORY_TICK;
    int week = week_of(n, ev->time_days, tick);
    bool joined = ev->kind == CP_STORY_JOINED;
    int person = ev->worker >= 0 ? person_for(n, ev->worker, joined) : 0;
    bool had_notice = ev->worker >= 0 && ev->worker < SLOTS_MAX && n->on_notice[ev->worker];
    if (ev->kind == CP_STORY_RESIGNED && ev->worker >= 0 && ev->worker < SLOTS_MAX)
        n->on_notice[ev->worker] = true;
    if (week < 1 || week > n->opt.weeks)
        return;
    if (n->acc.week != week) {
        if (n->acc.week)
            write_week(n);
        /* Weeks with no event at all (not even a tick) are quiet too. */
        for (int w = (n->acc.week ? n->acc.week : 0) + 1; w < week; w++) {
            acc_reset(&n->acc, w);
            write_week(n);
        }
        acc_reset(&n->acc, week);
    }
    week_acc *a = &n->acc;
    person_event e = {.person = person,
                      .type = ev->worker_type,
                      .experience = ev->experience_years,
                      .burnout = ev->burnout,
                      .value = ev->value,
                      .detail = ev->detail,
                      .had_notice = had_notice};
    switch (ev->kind) {
    case CP_STORY_JOINED:
        e.type = ev->detail ? ev->detail : ev->worker_type;
        list_add(&a->joined, &e);
        n->total.joined++;
        break;
    case CP_STORY_RESIGNED:
        list_add(&a->resigned, &e);
        n->total.resigned++;
        break;
    case CP_STORY_LEFT:
        list_add(&a->left, &e);
        n->total.left++;
        break;
    case CP_STORY_OVER_CAP:
        list_add(&a->over_cap, &e);
        n->total.over_cap++;
        break;
    case CP_STORY_HIGH_RISK_WAITING:
        a->waiting_count++;
        a->waiting_longest = ev->value > a->waiting_longest ? ev->value : a->waiting_longest;
        n->total.waiting++;
        break;
    case CP_STORY_SICK:
        list_add(&a->sick, &e);
        n->total.sick++;
        break;
    case CP_STORY_HARM:
        list_add(&a->harm, &e);
        n->total.harm++;
        break;
    case CP_STORY_MISSED: {
        const char *d = ev->detail ? ev->detail : "";
        int k = strcmp(d, "unallocated") == 0           ? 0
                : strcmp(d, "risk not recognised") == 0 ? 1
                : strcmp(d, "visits overdue") == 0      ? 2
                                                        : 3;
        a->missed[k] += 1.0;
        n->total.missed++;
        break;
    }
    case CP_STORY_INSPECTION:
        if (a->note_count < 4) {
            bool bad = ev->detail && strcmp(ev->detail, "inadequate") == 0;
            snprintf(a->notes[a->note_count++], sizeof a->notes[0],
                     bad ? "An inspection rated the service inadequate (score %.2f): for a while "
                           "more referrals go to enquiries, hiring is harder and staff leave "
                           "more readily."
                         : "An inspection found the service not inadequate (score %.2f).",
                     ev->value);
        }
        break;
    case CP_STORY_SHOCK:
        if (a->note_count < 4)
            snprintf(a->notes[a->note_count++], sizeof a->notes[0],
                     "A shock began (\"%s\"): referrals now arrive at %.2f times the usual rate.",
                     ev->detail ? ev->detail : "unnamed", ev->value);
        break;
    case CP_STORY_TICK:
        if (ev->row) {
            memcpy(a->row, ev->row, sizeof a->row);
            a->has_row = true;
        }
        break;
    }
    n->last_week_seen = week;
}

void cp_narrator_finish(cp_narrator *n, cp_buf *out) {
    if (n->acc.week)
        write_week(n);
    flush_quiet(n);
    const tally *t = &n->total;
    cp_buf_printf(&n->text,
                  "In these %d weeks: %zu joined, %zu handed in notice, %zu left; a worker went "
                  "over the cap %zu %s; %zu high-risk %s waited over a week; %zu sickness "
                  "%s; %zu serious harm %s and %zu missed-risk %s; %zu weeks without staff "
                  "changes or harm.\n",
                  n->last_week_seen < n->opt.weeks ? n->last_week_seen : n->opt.weeks, t->joined,
                  t->resigned, t->left, t->over_cap, t->over_cap == 1 ? "time" : "times",
                  t->waiting, t->waiting == 1 ? "case" : "cases", t->sick,
                  t->sick == 1 ? "spell" : "spells", t->harm, t->harm == 1 ? "event" : "events",
                  t->missed, t->missed == 1 ? "episode" : "episodes", t->quiet);
    if (n->text.failed)
        out->failed = true;
    else if (n->text.data)
        cp_buf_append(out, n->text.data, n->text.len);
}

cp_status cp_narrate_run(const cp_config *cfg, uint64_t seed, uint64_t replication,
                         const cp_narrate_options *opt, cp_buf *out, cp_error *err) {
    cp_narrator *n = cp_narrator_create(cfg, opt, err);
    if (!n)
        return err ? err->status : CP_EINPUT;
    cp_status st = CP_OK;
    cp_result result;
    cp_model *model = NULL;
    st = cp_result_init(&result, cfg, err);
    if (st != CP_OK) {
        cp_narrator_destroy(n);
        return st;
    }
    model = cp_model_create(cfg, err);
    if (!model) {
        st = err ? err->status : CP_ENOMEM;
        goto done;
    }
    cp_model_set_observer(model, cp_narrator_observe, n);
    st = cp_model_run(model, seed, replication, &result, err);
    if (st == CP_OK) {
        cp_narrator_finish(n, out);
        if (out->failed)
            st = cp_error_set(err, CP_ENOMEM, "out of memory writing the story");
    }
done:
    cp_model_destroy(model);
    cp_result_fini(&result);
    cp_narrator_destroy(n);
    return st;
}
