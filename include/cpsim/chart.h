/* cpsim/chart.h: inline SVG charts and the pieces of a self-contained HTML
 * page (output layer).
 *
 * Contract
 * - Charts are drawn by our own code as SVG text appended to a cp_buf: no
 *   JavaScript, no fonts or images fetched, nothing outside the document, so
 *   a report opens offline in any browser and prints as it looks.
 * - This layer knows charts, not the model: callers pass labels and plain
 *   arrays of doubles (strided, so a column of a row-major table is read in
 *   place). Non-finite values are gaps: a line breaks there, a bar or a
 *   whisker is left out. Nothing here allocates except through the buffer.
 * - Everything written is well-formed XML as well as HTML5 (every element
 *   closed, attributes quoted, only the five XML entities or numeric ones),
 *   so a strict XML parser can check a report. Text passed in is escaped
 *   here; callers never pre-escape.
 * - Each chart is an <svg> with the caller's id, role="img", a <title> and a
 *   <desc>: screen readers and tests find charts by them.
 * Output is deterministic: the same input gives the same bytes (numbers are
 * printed with fixed precision, never from uninitialised memory).
 */
#ifndef CPSIM_CHART_H
#define CPSIM_CHART_H

#include "cpsim/output.h"

#include <stdbool.h>
#include <stddef.h>

/* The palette: colour-blind safe (Okabe and Ito). Index i wraps. */
#define CP_CHART_COLOURS 7
const char *cp_chart_colour(int index);
/* A colour for "the reference run" (grey), not in the wrapping palette. */
#define CP_CHART_GREY (-1)

/* ---- line charts with bands ---------------------------------------------- */

typedef struct cp_chart_line {
    const char *label;  /* legend text */
    const double *mean; /* point i is mean[i * stride] */
    const double *low;  /* band, may be NULL (no band) */
    const double *high;
    size_t stride; /* >= 1 */
    size_t points; /* points of this line; 0: the chart's `points` */
    int colour;    /* palette index, or CP_CHART_GREY */
    bool dashed;
} cp_chart_line;

typedef struct cp_line_chart {
    const char *id;    /* the svg element's id, e.g. "chart-unallocated" */
    const char *title; /* <title>, also shown above the plot */
    const char *desc;  /* <desc>: one sentence on what is drawn */
    const char *x_label;
    const char *y_label;
    size_t points; /* the x extent: points of the longest line */
    double x0, dx; /* x of point i is x0 + i * dx */
    const cp_chart_line *lines;
    size_t line_count;
    /* Optional horizontal reference line (e.g. the caseload cap): drawn when
     * ref_label is non-NULL. */
    double ref_y;
    const char *ref_label;
} cp_line_chart;

void cp_chart_line_svg(cp_buf *b, const cp_line_chart *chart);

/* ---- grouped bar charts with confidence whiskers -------------------------- */

typedef struct cp_bar_chart {
    const char *id;
    const char *title;
    const char *desc;
    const char *y_label;
    const char *const *groups; /* category labels along x: [group_count] */
    size_t group_count;
    const char *const *series; /* legend labels: [series_count] */
    size_t series_count;
    const int *colours; /* [series_count], or NULL for the palette in order */
    /* [g * series_count + s]; low/high may be NULL or hold NaN (no whisker) */
    const double *value;
    const double *low;
    const double *high;
    int value_decimals; /* decimals of the value printed above each bar; -1: none */
} cp_bar_chart;

void cp_chart_bar_svg(cp_buf *b, const cp_bar_chart *chart);

/* ---- HTML ----------------------------------------------------------------- */

/* Appends s with &, <, >, " and ' escaped. */
void cp_html_escape(cp_buf *b, const char *s);
/* <!DOCTYPE html>, <html lang="en">, a <head> with the title, the charset,
 * a viewport and the report's inline style sheet, then <body>. */
void cp_html_begin(cp_buf *b, const char *title);
/* Closes body and html. */
void cp_html_end(cp_buf *b);
/* <TAG>escaped text</TAG>, e.g. cp_html_element(b, "h2", "Results"). tag
 * is the caller's literal, not user text. */
void cp_html_element(cp_buf *b, const char *tag, const char *text);
/* The report's style sheet (also served by the live page). */
const char *cp_html_style(void);

/* Numbers for people: x with about three significant figures, thousands
 * separated ("12,400", "2.6", "0.043"); "n/a" when x is not finite. */
void cp_format_plain(char *out, size_t size, double x);
/* x as a percentage of 1 ("15%", "2.4%"). */
void cp_format_percent(char *out, size_t size, double x);

#endif
