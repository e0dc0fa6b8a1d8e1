/* chart.c: line charts with bands and grouped bar charts, as inline SVG
 * (contract in cpsim/chart.h).
 *
 * Layout is computed, not measured: we cannot ask a browser how wide a text
 * is, so widths are estimated at CHAR_W pixels a character (the average of
 * a 12px sans-serif face) and legends wrap on that estimate. Being a few
 * pixels off costs nothing; a text layout engine in C would cost a lot.
 *
 * Every chart has a fixed viewBox (W x H) and scales with CSS (width 100%),
 * so it is as sharp printed as on screen. Coordinates are printed with one
 * decimal: enough for any screen, and it keeps the bytes deterministic and
 * the report small (a 5-year weekly band is about 6 KB).
 *
 * Axes use "nice" ticks (1, 2, 2.5 or 5 times a power of ten), the choice of
 * Heckbert's "Nice numbers for graph labels" (Graphics Gems, 1990): people
 * read 0, 5, 10, 15 at a glance and not 0, 4.3, 8.6.
 */
#include "cpsim/chart.h"

#include <math.h>

/* NAN is a float; spelled as a double it needs no promotion (-Wdouble-promotion). */
#define DNAN ((double)NAN)
#include <stdio.h>
#include <string.h>

#define W 640.0
#define H 330.0
#define LEFT 58.0
#define RIGHT 18.0
#define BOTTOM 46.0
#define TITLE_Y 18.0
#define LEGEND_Y 36.0
#define LEGEND_ROW 16.0
#define CHAR_W 6.6

static const char *const palette[CP_CHART_COLOURS] = {
    "#0072B2", /* blue */
    "#D55E00", /* vermillion */
    "#009E73", /* green */
    "#CC79A7", /* pink */
    "#E69F00", /* orange */
    "#56B4E9", /* sky blue */
    "#000000",
};

const char *cp_chart_colour(int index) {
    if (index < 0)
        return "#8a8a8a";
    return palette[index % CP_CHART_COLOURS];
}

/* ---- text ----------------------------------------------------------------- */

void cp_html_escape(cp_buf *b, const char *s) {
    if (!s)
        return;
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            break;
        }
        if (rep) {
            cp_buf_append(b, run, (size_t)(s - run));
            cp_buf_puts(b, rep);
            run = s + 1;
        }
    }
    cp_buf_append(b, run, (size_t)(s - run));
}

/* Inserts thousands separators into the integer digits of a formatted
 * number in place (buffer of size). */
static void group_thousands(char *s, size_t size) {
    char *start = s[0] == '-' ? s + 1 : s;
    size_t digits = strcspn(start, ".");
    size_t commas = digits > 3 ? (digits - 1) / 3 : 0;
    size_t len = strlen(s);
    if (commas == 0 || len + commas + 1 > size)
        return;
    /* Copy from the end, inserting a comma every three integer digits. */
    char *src = s + len;
    char *dst = s + len + commas;
    size_t tail = strlen(start + digits); /* ".xx" part */
    for (size_t i = 0; i <= tail; i++)
        *dst-- = *src--;
    for (size_t i = 0; i < digits; i++) {
        *dst-- = *src--;
        if (i % 3 == 2 && i + 1 < digits)
            *dst-- = ',';
    }
}

void cp_format_plain(char *out, size_t size, double x) {
    if (!isfinite(x)) {
        snprintf(out, size, "n/a");
        return;
    }
    double a = fabs(x);
    if (a < 1e-12) { /* rounding noise of a difference, e.g. -1.4e-18 */
        snprintf(out, size, "0");
    } else if (a >= 1000.0) {
        /* three significant figures, then separators: 612,345 -> 612,000 */
        double p = pow(10.0, floor(log10(a)) - 2.0);
        snprintf(out, size, "%.0f", round(x / p) * p);
        group_thousands(out, size);
    } else if (a >= 100.0) {
        snprintf(out, size, "%.0f", x);
    } else if (a >= 1.0) {
        snprintf(out, size, "%.1f", x);
    } else if (a >= 0.1) {
        snprintf(out, size, "%.2f", x);
    } else if (a >= 0.01) {
        snprintf(out, size, "%.3f", x);
    } else {
        snprintf(out, size, "%.2g", x);
    }
    /* A round number (a setting such as 18 cases or a 0.5-year warm-up)
     * reads better without trailing zeros: 18.0 -> 18, 0.50 -> 0.5. An
     * estimate keeps them, since they show its precision (2.0, not 2). */
    bool round_number = a < 1e6 && fabs(x * 100.0 - round(x * 100.0)) < 1e-9 * (1.0 + a);
    if (round_number && strchr(out, '.') && !strchr(out, 'e')) {
        size_t n = strlen(out);
        while (n > 0 && out[n - 1] == '0')
            out[--n] = '\0';
        if (n > 0 && out[n - 1] == '.')
            out[--n] = '\0';
    }
    if (strcmp(out, "-0") == 0)
        snprintf(out, size, "0");
}

void cp_format_percent(char *out, size_t size, double x) {
    if (!isfinite(x)) {
        snprintf(out, size, "n/a");
        return;
    }
    double p = x * 100.0;
    if (fabs(p) >= 9.95 || p == 0.0)
        snprintf(out, size, "%.0f%%", p);
    else
        snprintf(out, size, "%.1f%%", p);
}

/* ---- scales --------------------------------------------------------------- */

static double nice_step(double range, int target_ticks) {
    if (!(range > 0.0))
        return 1.0;
    double raw = range / target_ticks;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    double nice = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0;
    return nice * mag;
}

/* Decimals needed to print multiples of step exactly (2.5 needs one). */
static int step_decimals(double step) {
    int d = 0;
    while (d < 6 && fabs(step * pow(10.0, d) - round(step * pow(10.0, d))) > 1e-6)
        d++;
    return d;
}

typedef struct scale {
    double lo, hi; /* data range, widened to ticks */
    double step;
    double px_lo, px_hi;
} scale;

static void scale_fit(scale *s, double lo, double hi, int ticks, double px_lo, double px_hi) {
    if (!(hi > lo)) {
        hi = lo + 1.0;
    }
    s->step = nice_step(hi - lo, ticks);
    s->lo = floor(lo / s->step + 1e-9) * s->step;
    s->hi = ceil(hi / s->step - 1e-9) * s->step;
    if (!(s->hi > s->lo))
        s->hi = s->lo + s->step;
    s->px_lo = px_lo;
    s->px_hi = px_hi;
}

static double scale_at(const scale *s, double v) {
    return s->px_lo + (v - s->lo) / (s->hi - s->lo) * (s->px_hi - s->px_lo);
}

static void tick_label(char *out, size_t size, double v, int decimals) {
    if (fabs(v) >= 10000.0) {
        cp_format_plain(out, size, v);
        return;
    }
    snprintf(out, size, "%.*f", decimals, fabs(v) < 1e-12 ? 0.0 : v);
}

/* ---- common pieces ---------------------------------------------------------- */

static void svg_open(cp_buf *b, const char *id, const char *title, const char *desc) {
    cp_buf_puts(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"");
    cp_html_escape(b, id);
    cp_buf_printf(b,
                  "\" class=\"chart\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" "
                  "font-family=\"sans-serif\" font-size=\"12\"><title>",
                  W, H);
    cp_html_escape(b, title);
    cp_buf_puts(b, "</title><desc>");
    cp_html_escape(b, desc ? desc : title);
    cp_buf_puts(b, "</desc>\n");
    cp_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", W,
                  H);
    cp_buf_printf(b,
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\" "
                  "fill=\"#222222\">",
                  LEFT - 40.0, TITLE_Y);
    cp_html_escape(b, title);
    cp_buf_puts(b, "</text>\n");
}

typedef struct legend_item {
    const char *label;
    const char *colour;
    bool dashed;
    bool box; /* a filled box (bars) rather than a line */
} legend_item;

/* Lays legend items out left to right, wrapping; returns the rows used. */
static int legend(cp_buf *b, const legend_item *items, size_t count, bool draw) {
    double x = LEFT - 40.0;
    double y = LEGEND_Y;
    int rows = count ? 1 : 0;
    for (size_t i = 0; i < count; i++) {
        double w = 22.0 + CHAR_W * (double)strlen(items[i].label ? items[i].label : "") + 14.0;
        if (x + w > W - RIGHT && x > LEFT - 40.0) {
            x = LEFT - 40.0;
            y += LEGEND_ROW;
            rows++;
        }
        if (draw) {
            if (items[i].box)
                cp_buf_printf(b,
                              "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"10\" "
                              "fill=\"%s\"/>",
                              x, y - 9.0, items[i].colour);
            else
                cp_buf_printf(b,
                              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "stroke=\"%s\" stroke-width=\"2.5\"%s/>",
                              x, y - 4.0, x + 16.0, y - 4.0, items[i].colour,
                              items[i].dashed ? " stroke-dasharray=\"5 3\"" : "");
            cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\">", x + 20.0, y);
            cp_html_escape(b, items[i].label);
            cp_buf_puts(b, "</text>\n");
        }
        x += w;
    }
    return rows;
}

static void y_axis(cp_buf *b, const scale *ys, double x_lo, double x_hi, const char *label) {
    int dec = step_decimals(ys->step);
    char text[64];
    for (double v = ys->lo; v <= ys->hi + ys->step * 1e-6; v += ys->step) {
        double y = scale_at(ys, v);
        cp_buf_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"#e6e6e6\"/>",
                      x_lo, y, x_hi, y);
        tick_label(text, sizeof text, v, dec);
        cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x_lo - 6.0,
                      y + 4.0, text);
    }
    cp_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>",
                  x_lo, ys->px_lo, x_lo, ys->px_hi);
    if (label) {
        double cy = (ys->px_lo + ys->px_hi) / 2.0;
        cp_buf_printf(b,
                      "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" "
                      "transform=\"rotate(-90 14 %.1f)\">",
                      cy, cy);
        cp_html_escape(b, label);
        cp_buf_puts(b, "</text>\n");
    }
}

/* ---- line charts -------------------------------------------------------------- */

static double at(const double *a, size_t i, size_t stride) {
    return a ? a[i * stride] : DNAN;
}

static size_t line_points(const cp_line_chart *c, const cp_chart_line *l) {
    return l->points && l->points < c->points ? l->points : c->points;
}

/* Draws the finite runs of one series as polylines. */
static void polyline(cp_buf *b, const cp_line_chart *c, const cp_chart_line *l, const scale *xs,
                     const scale *ys) {
    const char *colour = cp_chart_colour(l->colour);
    bool open = false;
    size_t points = line_points(c, l);
    for (size_t i = 0; i < points; i++) {
        double v = at(l->mean, i, l->stride);
        if (!isfinite(v)) {
            if (open)
                cp_buf_puts(b, "\"/>\n");
            open = false;
            continue;
        }
        if (!open) {
            cp_buf_printf(b,
                          "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                          "stroke-linejoin=\"round\"%s points=\"",
                          colour, l->dashed ? " stroke-dasharray=\"6 4\"" : "");
            open = true;
        } else {
            cp_buf_puts(b, " ");
        }
        cp_buf_printf(b, "%.1f,%.1f", scale_at(xs, c->x0 + (double)i * c->dx), scale_at(ys, v));
    }
    if (open)
        cp_buf_puts(b, "\"/>\n");
}

/* Draws the band of one series: one polygon per run of finite low/high. */
static void band(cp_buf *b, const cp_line_chart *c, const cp_chart_line *l, const scale *xs,
                 const scale *ys) {
    if (!l->low || !l->high)
        return;
    const char *colour = cp_chart_colour(l->colour);
    size_t points = line_points(c, l);
    size_t i = 0;
    while (i < points) {
        while (i < points &&
               !(isfinite(at(l->low, i, l->stride)) && isfinite(at(l->high, i, l->stride))))
            i++;
        size_t start = i;
        while (i < points && isfinite(at(l->low, i, l->stride)) &&
               isfinite(at(l->high, i, l->stride)))
            i++;
        if (i <= start)
            continue;
        cp_buf_printf(b, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"",
                      colour);
        for (size_t j = start; j < i; j++)
            cp_buf_printf(b, "%s%.1f,%.1f", j > start ? " " : "",
                          scale_at(xs, c->x0 + (double)j * c->dx),
                          scale_at(ys, at(l->high, j, l->stride)));
        for (size_t j = i; j-- > start;)
            cp_buf_printf(b, " %.1f,%.1f", scale_at(xs, c->x0 + (double)j * c->dx),
                          scale_at(ys, at(l->low, j, l->stride)));
        cp_buf_puts(b, "\"/>\n");
    }
}

void cp_chart_line_svg(cp_buf *b, const cp_line_chart *c) {
    double lo = 0.0, hi = 0.0;
    for (size_t k = 0; k < c->line_count; k++) {
        const cp_chart_line *l = &c->lines[k];
        for (size_t i = 0; i < line_points(c, l); i++) {
            const double v[3] = {at(l->mean, i, l->stride), at(l->low, i, l->stride),
                                 at(l->high, i, l->stride)};
            for (int j = 0; j < 3; j++) {
                if (isfinite(v[j])) {
                    lo = v[j] < lo ? v[j] : lo;
                    hi = v[j] > hi ? v[j] : hi;
                }
            }
        }
    }
    if (c->ref_label && isfinite(c->ref_y) && c->ref_y > hi)
        hi = c->ref_y;
    legend_item items[32];
    size_t n_items = c->line_count < 32 ? c->line_count : 32;
    for (size_t k = 0; k < n_items; k++)
        items[k] = (legend_item){.label = c->lines[k].label,
                                 .colour = cp_chart_colour(c->lines[k].colour),
                                 .dashed = c->lines[k].dashed};

    svg_open(b, c->id, c->title, c->desc);
    int rows = legend(b, items, n_items, true);
    double top = LEGEND_Y + 14.0 + LEGEND_ROW * (double)(rows > 1 ? rows - 1 : 0);
    scale ys, xs;
    scale_fit(&ys, lo, hi * 1.04, 5, H - BOTTOM, top);
    double x_end = c->x0 + (double)(c->points > 1 ? c->points - 1 : 1) * c->dx;
    scale_fit(&xs, c->x0, x_end, 6, LEFT, W - RIGHT);
    /* Clamp the x scale to the data: a run of 3 years should not end at 4. */
    xs.lo = c->x0;
    xs.hi = x_end > c->x0 ? x_end : c->x0 + 1.0;
    y_axis(b, &ys, LEFT, W - RIGHT, c->y_label);

    /* x ticks at multiples of the nice step inside the data range */
    int dec = step_decimals(xs.step);
    char text[64];
    double first = ceil(xs.lo / xs.step - 1e-9) * xs.step;
    for (double v = first; v <= xs.hi + xs.step * 1e-6; v += xs.step) {
        double x = scale_at(&xs, v);
        cp_buf_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"#999999\"/>",
                      x, H - BOTTOM, x, H - BOTTOM + 4.0);
        tick_label(text, sizeof text, v, dec);
        cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                      H - BOTTOM + 17.0, text);
    }
    cp_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>",
                  LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM);
    if (c->x_label) {
        cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                      (LEFT + W - RIGHT) / 2.0, H - 8.0);
        cp_html_escape(b, c->x_label);
        cp_buf_puts(b, "</text>\n");
    }
    for (size_t k = 0; k < c->line_count; k++)
        band(b, c, &c->lines[k], &xs, &ys);
    for (size_t k = 0; k < c->line_count; k++)
        polyline(b, c, &c->lines[k], &xs, &ys);
    if (c->ref_label && isfinite(c->ref_y)) {
        double y = scale_at(&ys, c->ref_y);
        cp_buf_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444444\" "
                      "stroke-dasharray=\"2 3\"/><text x=\"%.1f\" y=\"%.1f\" "
                      "fill=\"#444444\">",
                      LEFT, y, W - RIGHT, y, LEFT + 4.0, y - 4.0);
        cp_html_escape(b, c->ref_label);
        cp_buf_puts(b, "</text>\n");
    }
    cp_buf_puts(b, "</svg>\n");
}

/* ---- bar charts ------------------------------------------------------------------ */

/* Writes label as up to three centred lines of about max_chars. */
static void wrapped_label(cp_buf *b, const char *label, double x, double y, size_t max_chars) {
    cp_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, y);
    const char *s = label ? label : "";
    int line = 0;
    while (*s && line < 3) {
        size_t len = strlen(s);
        size_t take = len;
        if (len > max_chars) {
            take = max_chars;
            while (take > 0 && s[take] != ' ')
                take--;
            if (take == 0)
                take = max_chars; /* one long word: cut it */
        }
        char piece[128];
        size_t n = take < sizeof piece - 1 ? take : sizeof piece - 1;
        memcpy(piece, s, n);
        piece[n] = '\0';
        cp_buf_printf(b, "<tspan x=\"%.1f\" dy=\"%s\">", x, line == 0 ? "0" : "1.15em");
        cp_html_escape(b, piece);
        cp_buf_puts(b, "</tspan>");
        s += take;
        while (*s == ' ')
            s++;
        line++;
    }
    cp_buf_puts(b, "</text>\n");
}

void cp_chart_bar_svg(cp_buf *b, const cp_bar_chart *c) {
    size_t n = c->group_count * c->series_count;
    /* The axis covers the bars and the whiskers' tops; a whisker's foot
     * below zero (a t interval around a small count) is clipped rather than
     * allowed to drag the axis under zero for bars that cannot be negative. */
    double lo = 0.0, hi = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double v[2] = {c->value[i], c->high ? c->high[i] : DNAN};
        for (int j = 0; j < 2; j++) {
            if (isfinite(v[j])) {
                lo = v[j] < lo ? v[j] : lo;
                hi = v[j] > hi ? v[j] : hi;
            }
        }
    }
    legend_item items[32];
    size_t n_items = c->series_count < 32 ? c->series_count : 32;
    for (size_t s = 0; s < n_items; s++)
        items[s] = (legend_item){.label = c->series[s],
                                 .colour = cp_chart_colour(c->colours ? c->colours[s] : (int)s),
                                 .box = true};
    svg_open(b, c->id, c->title, c->desc);
    int rows = legend(b, items, n_items, true);
    double top = LEGEND_Y + 14.0 + LEGEND_ROW * (double)(rows > 1 ? rows - 1 : 0);
    double bottom = H - BOTTOM - 10.0; /* room for two-line group labels */
    scale ys;
    scale_fit(&ys, lo, hi * 1.1, 5, bottom, top);
    y_axis(b, &ys, LEFT, W - RIGHT, c->y_label);
    double group_w = (W - RIGHT - LEFT) / (double)(c->group_count ? c->group_count : 1);
    double bar_w = group_w * 0.78 / (double)(c->series_count ? c->series_count : 1);
    double zero = scale_at(&ys, 0.0);
    size_t max_chars = (size_t)(group_w / CHAR_W);
    if (max_chars < 4)
        max_chars = 4;
    for (size_t g = 0; g < c->group_count; g++) {
        double gx = LEFT + group_w * (double)g + group_w * 0.11;
        for (size_t s = 0; s < c->series_count; s++) {
            size_t i = g * c->series_count + s;
            double v = c->value[i];
            if (!isfinite(v))
                continue;
            double x = gx + bar_w * (double)s;
            double y = scale_at(&ys, v);
            const char *colour = cp_chart_colour(c->colours ? c->colours[s] : (int)s);
            cp_buf_printf(b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"%s\"/>",
                          x + 1.0, v >= 0 ? y : zero, bar_w - 2.0, fabs(zero - y), colour);
            double label_y = y;
            double l = c->low ? c->low[i] : DNAN, h = c->high ? c->high[i] : DNAN;
            if (isfinite(l) && isfinite(h)) {
                double cx = x + bar_w / 2.0;
                l = l < ys.lo ? ys.lo : l;
                h = h > ys.hi ? ys.hi : h;
                double yl = scale_at(&ys, l), yh = scale_at(&ys, h);
                cp_buf_printf(b,
                              "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" "
                              "stroke=\"#222222\" stroke-width=\"1.3\" fill=\"none\"/>",
                              cx, yl, yh, cx - 4.0, yl, cx + 4.0, cx - 4.0, yh, cx + 4.0);
                label_y = yh < label_y ? yh : label_y;
            }
            /* No label on an empty bar: a row of zeros is noise. */
            if (c->value_decimals >= 0 && bar_w >= 18.0 &&
                fabs(v) >= 0.5 * pow(10.0, -c->value_decimals))
                cp_buf_printf(b,
                              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                              "font-size=\"10\">%.*f</text>",
                              x + bar_w / 2.0, label_y - 4.0, c->value_decimals, v);
            cp_buf_puts(b, "\n");
        }
        wrapped_label(b, c->groups[g], LEFT + group_w * ((double)g + 0.5), bottom + 16.0,
                      max_chars);
    }
    cp_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>",
                  LEFT, zero, W - RIGHT, zero);
    cp_buf_puts(b, "</svg>\n");
}

/* ---- HTML ------------------------------------------------------------------------ */

static const char style[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;"
    "margin:0 auto;max-width:1180px;padding:1.2em 1.5em 3em;color:#1b1b1b;line-height:1.45;"
    "background:#fafafa}\n"
    "h1{font-size:1.7em;margin:.3em 0 .1em}h2{font-size:1.25em;margin:1.6em 0 .5em;"
    "border-bottom:1px solid #ddd;padding-bottom:.2em}\n"
    ".meta{color:#555;font-size:.9em;margin:.2em 0 1em}\n"
    ".summary{background:#eef4fa;border-left:5px solid #0072B2;padding:.7em 1.2em;"
    "font-size:1.07em;border-radius:3px}\n"
    ".summary p{margin:.45em 0}\n"
    ".grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1em}\n"
    "@media (max-width:900px){.grid{grid-template-columns:1fr}}\n"
    "figure{margin:0;border:1px solid #e2e2e2;border-radius:6px;padding:.5em;background:#fff}\n"
    "figcaption{font-size:.88em;color:#444;margin:.3em .2em 0}\n"
    "svg.chart{width:100%;height:auto;display:block}\n"
    "table{border-collapse:collapse;font-size:.92em;background:#fff;margin:.4em 0}\n"
    "th,td{padding:.28em .65em;border-bottom:1px solid #e4e4e4;text-align:right;"
    "vertical-align:top}\n"
    "th:first-child,td:first-child{text-align:left}\n"
    "thead th{border-bottom:2px solid #bbb}\n"
    ".note{font-size:.9em;color:#444}\n"
    ".small{font-size:.85em;color:#555}\n"
    "code{font-size:.9em;background:#f0f0f0;padding:0 .2em;border-radius:2px}\n"
    "@media print{body{background:#fff}.grid{grid-template-columns:1fr 1fr}"
    "figure{break-inside:avoid}}\n";

const char *cp_html_style(void) {
    return style;
}

void cp_html_begin(cp_buf *b, const char *title) {
    cp_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                   "<title>");
    cp_html_escape(b, title);
    cp_buf_puts(b, "</title>\n<style>\n");
    cp_buf_puts(b, style);
    cp_buf_puts(b, "</style>\n</head>\n<body>\n");
}

void cp_html_end(cp_buf *b) {
    cp_buf_puts(b, "</body>\n</html>\n");
}

void cp_html_element(cp_buf *b, const char *tag, const char *text) {
    cp_buf_printf(b, "<%s>", tag);
    cp_html_escape(b, text);
    cp_buf_printf(b, "</%s>\n", tag);
}
