/* erlang.h: steady-state theory of the M/M/c queue (Erlang C), for tests.
 *
 * Poisson arrivals at rate lambda, c identical servers with exponential
 * service at rate mu each, an unlimited FIFO queue. With offered load
 * a = lambda / mu and utilisation rho = a / c < 1:
 *   erlang_c_pwait: P(an arrival has to wait) = Erlang C(c, a);
 *   erlang_c_lq:    mean number waiting (not in service), Lq = C rho / (1 - rho);
 *   erlang_c_wq:    mean time waiting before service, Wq = Lq / lambda
 *                   = C / (c mu - lambda) (Little's law).
 * Computed through the Erlang B recursion, which never forms a^c or c!, so it
 * is stable for c up to thousands (tested to c = 1000).
 *
 * Out of range: with rho >= 1 the queue has no steady state, so pwait is 1 and
 * lq, wq are +infinity. lambda == 0 gives 0 for all three. A negative or NaN
 * lambda, mu <= 0 or c < 1 is a caller bug and gives NaN.
 */
#ifndef CPSIM_TESTS_ERLANG_H
#define CPSIM_TESTS_ERLANG_H

double erlang_c_pwait(double lambda, double mu, int c);
double erlang_c_lq(double lambda, double mu, int c);
double erlang_c_wq(double lambda, double mu, int c);

#endif
