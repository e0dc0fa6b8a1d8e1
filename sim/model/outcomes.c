/* outcomes.c: the names, units and descriptions of every outcome and
 * time-series measure (the `outcome` column of summary.csv and the `measure`
 * column of timeseries.csv), and cp_result's storage.
 *
 * The order of the table is the order of cp_outcome_id; a static assertion
 * keeps them in step. Names are part of the interface scripts rely on
 * (MODEL.md section 4): never rename one, add new ones instead.
 */
#include "model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cp_outcome_info outcome_table[] = {
    {"unallocated_mean", "cases", "unallocated cases, time-average"},
    {"unallocated_max", "cases", "unallocated cases, maximum"},
    {"wait_to_allocation_mean_days", "days", "days from joining the list to allocation, mean"},
    {"wait_to_allocation_p90_days", "days", "days from joining the list to allocation, 90th percentile"},
    {"high_risk_unallocated_days", "case-days/year", "case-days that truly high-risk cases spent unallocated"},
    {"harm_events", "events/year", "serious harm events to children known to the service"},
    {"harm_unprotected", "events/year", "harm events to children not protected at the level their risk needed"},
    {"harm_unallocated", "events/year", "harm: the child's case was unallocated"},
    {"harm_unrecognised", "events/year", "harm: the child's risk was not recognised (wrong plan, closed, screened out)"},
    {"harm_visits_overdue", "events/year", "harm: statutory visits overdue"},
    {"missed_risk_events", "events/year", "missed-risk events, all causes"},
    {"missed_risk_unallocated", "events/year", "missed risk: the child's case was unallocated"},
    {"missed_risk_unrecognised", "events/year", "missed risk: high risk not recognised (wrong plan, closed, screened out)"},
    {"missed_risk_visits_overdue", "events/year", "missed risk: statutory visits overdue"},
    {"caseload_mean", "cases/FTE", "cases per FTE case holder"},
    {"caseload_p90", "cases/FTE", "caseload per FTE, 90th percentile over worker-weeks"},
    {"over_cap_share", "fraction", "share of worker-weeks over the case cap"},
    {"inexperienced_allocations", "cases/year", "high-risk cases allocated to a worker below the experience threshold"},
    {"burnout_mean", "0-100", "burnout, mean over worker-weeks"},
    {"burnout_over_50_share", "fraction", "share of worker-weeks with burnout over 50"},
    {"burnout_over_75_share", "fraction", "share of worker-weeks with burnout over 75"},
    {"overtime_hours_mean", "hours/week", "unpaid overtime per worker-week"},
    {"turnover_rate", "fraction/year", "permanent leavers (FTE) over average permanent FTE in post (DfE definition)"},
    {"vacancy_rate", "fraction", "vacant FTE over establishment, time-average"},
    {"agency_rate", "fraction", "agency FTE over establishment, time-average"},
    {"sickness_rate", "fraction", "working days lost to sickness over working days available"},
    {"worker_changes_mean", "changes/child", "changes of social worker per child, for episodes closed"},
    {"worker_changes_2plus_share", "fraction", "share of closed episodes with two or more changes of worker"},
    {"assess_within_45wd", "fraction", "assessments completed within 45 working days of referral"},
    {"icpc_within_15wd", "fraction", "initial conferences within 15 working days of the s47 enquiry starting"},
    {"rereferral_rate", "fraction", "referrals that are re-referrals within 12 months of a closure"},
    {"cost_total", "GBP/year", "staff cost including agency, policies and support staff"},
    {"agency_cost", "GBP/year", "agency premium: cost above the permanent cost of the same FTE"},
    {"referrals", "referrals/year", "referrals received"},
    {"assessments", "assessments/year", "assessments completed"},
    {"s47_enquiries", "enquiries/year", "s47 enquiries started"},
    {"icpcs", "conferences/year", "initial child protection conferences"},
    {"cp_plans", "plans/year", "child protection plans started"},
    {"proceedings", "cases/year", "care proceedings started"},
    {"screened_out_high", "referrals/year", "high-risk referrals screened out at the front door"},
    {"leavers_to_agency", "FTE/year", "permanent leavers who went to agency work"},
    {"events", "events", "kernel events run in the replication (warm-up included)"},
};
_Static_assert(sizeof outcome_table / sizeof outcome_table[0] == CP_OUTCOME_COUNT,
               "outcome_table must list every cp_outcome_id in order");

static const cp_outcome_info series_table[] = {
    {"unallocated", "cases", "unallocated cases, time-average over the interval"},
    {"high_risk_unallocated", "cases", "truly high-risk unallocated cases, time-average"},
    {"caseload_mean", "cases/FTE", "cases per FTE case holder at the interval's end"},
    {"caseload_max", "cases/FTE", "highest caseload per FTE at the interval's end"},
    {"burnout_mean", "0-100", "mean burnout at the interval's end"},
    {"permanent_fte", "FTE", "permanent and newly qualified staff in post"},
    {"agency_fte", "FTE", "agency staff in post"},
    {"vacancies_fte", "FTE", "posts without a permanent holder"},
    {"absent", "workers", "workers off sick"},
    {"referrals", "referrals", "referrals in the interval"},
    {"leavers", "FTE", "permanent leavers in the interval"},
    {"harm_events", "events", "harm events in the interval"},
    {"missed_risk_events", "events", "missed-risk events in the interval"},
};
_Static_assert(sizeof series_table / sizeof series_table[0] == CP_SERIES_COUNT,
               "series_table must list every cp_series_id in order");

const cp_outcome_info *cp_outcome_info_get(cp_outcome_id id) {
    CP_ASSERT((int)id >= 0 && id < CP_OUTCOME_COUNT);
    return &outcome_table[id];
}

int cp_outcome_find(const char *name) {
    for (int i = 0; i < CP_OUTCOME_COUNT; i++)
        if (strcmp(outcome_table[i].name, name) == 0)
            return i;
    return -1;
}

const cp_outcome_info *cp_series_info_get(cp_series_id id) {
    CP_ASSERT((int)id >= 0 && id < CP_SERIES_COUNT);
    return &series_table[id];
}

size_t cp_series_rows(const cp_config *cfg) {
    return (size_t)floor(cfg->years * YEAR_DAYS / cfg->timeseries_interval_days + 1e-9);
}

cp_status cp_result_init(cp_result *result, const cp_config *cfg, cp_error *err) {
    memset(result, 0, sizeof *result);
    result->series_rows = cp_series_rows(cfg);
    if (result->series_rows > 0) {
        result->series = calloc(result->series_rows * CP_SERIES_COUNT, sizeof *result->series);
        if (!result->series)
            return cp_error_set(err, CP_ENOMEM, "out of memory for %zu time-series rows",
                                result->series_rows);
    }
    return CP_OK;
}

void cp_result_fini(cp_result *result) {
    free(result->series);
    result->series = NULL;
    result->series_rows = 0;
}
