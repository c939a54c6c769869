/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * What every benchmark driver measures with: the calling thread's CPU time (so a shared,
 * noisy machine costs wall time, not the figure) and the median of several runs.
 */

#ifndef USH_BENCH_COMMON_H
#define USH_BENCH_COMMON_H

#include <stdlib.h>
#include <time.h>

/** CPU seconds used by the calling thread. */
static inline double
bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/** qsort() comparison of doubles, ascending. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/** Median of v[0..n) (sorts v); n > 0. */
static inline double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif /* USH_BENCH_COMMON_H */
