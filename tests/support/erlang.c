/* erlang.c: Erlang C for M/M/c. Contract in erlang.h.
 *
 * Why the recursion: the textbook formula sums a^k / k! for k < c and divides
 * by a^c / c!; both overflow a double near c = 170 and lose accuracy well
 * before. The Erlang B recursion
 *     B(0) = 1,  B(k) = a B(k-1) / (k + a B(k-1))
 * keeps every intermediate in (0, 1], and Erlang C follows from B exactly:
 *     C = B / (1 - rho (1 - B)),  rho = a / c.
 * Each step is a ratio of positive terms, so there is no cancellation.
 */
#include "erlang.h"

#include <math.h>

/* NaN for a caller bug, otherwise the Erlang C probability (1 when rho >= 1). */
double erlang_c_pwait(double lambda, double mu, int c) {
    if (!(lambda >= 0.0) || !(mu > 0.0) || c < 1)
        return NAN;
    if (lambda == 0.0)
        return 0.0;
    double a = lambda / mu;
    double rho = a / (double)c;
    if (rho >= 1.0)
        return 1.0;
    double b = 1.0;
    for (int k = 1; k <= c; k++)
        b = a * b / ((double)k + a * b);
    return b / (1.0 - rho * (1.0 - b));
}

double erlang_c_lq(double lambda, double mu, int c) {
    double pwait = erlang_c_pwait(lambda, mu, c);
    if (isnan(pwait) || pwait == 0.0)
        return pwait;
    double rho = lambda / (mu * (double)c);
    if (rho >= 1.0)
        return INFINITY;
    return pwait * rho / (1.0 - rho);
}

double erlang_c_wq(double lambda, double mu, int c) {
    double pwait = erlang_c_pwait(lambda, mu, c);
    if (isnan(pwait) || pwait == 0.0)
        return pwait;
    if (lambda >= mu * (double)c)
        return INFINITY;
    /* C / (c mu - lambda) rather than Lq / lambda: same value, one fewer
     * division, and it reads as "P(wait) times the mean wait given a wait". */
    return pwait / (mu * (double)c - lambda);
}
