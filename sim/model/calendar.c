/* calendar.c: the working-day calendar.
 *
 * Day 0 of a run is a Monday, 1 January; years have 365 days. Working days
 * are Monday to Friday less `calendar.bank_holidays_per_year` bank holidays,
 * spread evenly through each year (moved to the next weekday when they fall
 * on a weekend). Their count, not their exact dates, is what matters for
 * statutory timescales in working days, so we do not model Easter.
 *
 * Two tables make both directions O(1): the cumulative working days per
 * calendar day gives W(t) (working days elapsed at time t), and the day of
 * each working day gives "t plus n working days". Past the end of the
 * tables (events after the horizon) time is extrapolated at the average
 * rate.
 *
 * Invariants: working_days_before is non-decreasing and
 * working_days_before[d+1] = working_days_before[d] + is_working[d];
 * working_day[k] is the d with is_working[d] and working_days_before[d] = k.
 */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>

cp_status calendar_build(cp_model *m, cp_error *err) {
    int32_t days = (int32_t)ceil(m->end_time) + 5 * 365 + 1;
    int holidays = m->cfg.bank_holidays_per_year;
    /* The tables depend only on their length and the bank holidays: a model
     * runs many replications of one scenario and builds them once. */
    if (days <= m->calendar_days && holidays == m->calendar_holidays)
        return CP_OK;
    if (days > m->calendar_days) {
        double *cum = realloc(m->working_days_before, (size_t)(days + 1) * sizeof *cum);
        if (!cum)
            return cp_error_set(err, CP_ENOMEM, "out of memory for the calendar");
        m->working_days_before = cum;
        uint8_t *work = realloc(m->is_working, (size_t)days);
        if (!work)
            return cp_error_set(err, CP_ENOMEM, "out of memory for the calendar");
        m->is_working = work;
        int32_t *index = realloc(m->working_day, (size_t)days * sizeof *index);
        if (!index)
            return cp_error_set(err, CP_ENOMEM, "out of memory for the calendar");
        m->working_day = index;
        m->calendar_days = days;
    }
    for (int32_t d = 0; d < m->calendar_days; d++)
        m->is_working[d] = (uint8_t)(d % 7 < 5);
    for (int32_t year_start = 0; year_start < m->calendar_days; year_start += 365) {
        for (int k = 0; k < holidays; k++) {
            int32_t d = year_start + (int32_t)((k + 0.5) * 365.0 / holidays);
            while (d < m->calendar_days && !m->is_working[d])
                d++;
            if (d < m->calendar_days)
                m->is_working[d] = 0;
        }
    }
    m->working_days_before[0] = 0.0;
    m->working_day_count = 0;
    for (int32_t d = 0; d < m->calendar_days; d++) {
        m->working_days_before[d + 1] = m->working_days_before[d] + m->is_working[d];
        if (m->is_working[d])
            m->working_day[m->working_day_count++] = d;
    }
    m->calendar_holidays = holidays;
    return CP_OK;
}

double calendar_working_days_per_year(const cp_model *m) {
    return (5.0 * 365.0 / 7.0) - m->cfg.bank_holidays_per_year;
}

double calendar_working_days_at(const cp_model *m, double t) {
    if (t <= 0.0)
        return 0.0; /* before the run: nothing has elapsed (a week's look-back on day 3) */
    int32_t last = m->calendar_days;
    if (t >= last)
        return m->working_days_before[last] +
               (t - last) * calendar_working_days_per_year(m) / YEAR_DAYS;
    int32_t d = (int32_t)t;
    return m->working_days_before[d] + (m->is_working[d] ? t - d : 0.0);
}

bool calendar_is_working_day(const cp_model *m, double t) {
    int32_t d = (int32_t)t;
    if (d >= m->calendar_days)
        return d % 7 < 5;
    return m->is_working[d] != 0;
}

double calendar_add_working_days(const cp_model *m, double t, double wd) {
    CP_ASSERT(wd >= 0.0);
    if (wd <= 0.0)
        return t;
    double target = calendar_working_days_at(m, t) + wd;
    int32_t last = m->calendar_days;
    if (target > m->working_days_before[last])
        return last + (target - m->working_days_before[last]) * YEAR_DAYS /
                          calendar_working_days_per_year(m);
    /* The answer lies in the day d of working day ceil(target) - 1 (the
     * smallest d with working_days_before[d + 1] >= target), at the share of
     * that day still to go. ceil(target) - 1 is the integer part of target,
     * less one when target is whole (target > 0 here; no libm call). */
    int32_t k = (int32_t)target;
    if ((double)k == target)
        k--;
    int32_t d = m->working_day[k > 0 ? k : 0];
    return d + (target - m->working_days_before[d]);
}

int calendar_month(double t) {
    static const int month_end[12] = {31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
    CP_ASSERT(t >= 0.0 && t < (double)INT32_MAX);
    /* the day of the year, as (int)fmod(t, 365) but without a library call */
    int doy = (int)((int32_t)t % 365);
    int month = 0;
    while (month < 11 && doy >= month_end[month])
        month++;
    return month;
}
