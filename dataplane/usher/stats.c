/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Counter names, the exit summary and the --stats-json file, all from the x-macro table. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "usher_priv.h"

static inline const char *
ctr_name(unsigned int c)
{
	return ush_ctr_name((enum ush_ctr)c);
}

/*
 * Workers write their counters with plain stores; the main lcore reads them while they run
 * (idle detection) and after they stopped (summary). A 64-bit aligned load is not torn on
 * the targets DPDK supports, and an old value is fine for both uses.
 */
static inline uint64_t
ctr_read(const struct ush_dp_worker *w, unsigned int c)
{
	return __atomic_load_n(&w->ctr.c[c], __ATOMIC_RELAXED);
}

void
ush_dp_counters_sum(struct ush_dp_worker *const *w, unsigned int n, uint64_t *total)
{
	memset(total, 0, sizeof(*total) * USH_CTR_COUNT);
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int c = 0; c < USH_CTR_COUNT; c++)
			total[c] += ctr_read(w[i], c);
}

static void
print_nonzero(FILE *f, const uint64_t *v)
{
	bool any = false;

	for (unsigned int c = 0; c < USH_CTR_COUNT; c++) {
		if (v[c] == 0)
			continue;
		fprintf(f, "  %-32s %20" PRIu64 "\n", ctr_name(c), v[c]);
		any = true;
	}
	if (!any)
		fprintf(f, "  (all zero)\n");
}

void
ush_dp_stats_print(FILE *f, struct ush_dp_worker *const *w, unsigned int n)
{
	uint64_t v[USH_CTR_COUNT];

	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int c = 0; c < USH_CTR_COUNT; c++)
			v[c] = ctr_read(w[i], c);
		fprintf(f, "worker %u (lcore %u):\n", w[i]->id, w[i]->lcore_id);
		print_nonzero(f, v);
	}
	ush_dp_counters_sum(w, n, v);
	fprintf(f, "total (%u worker%s):\n", n, n == 1 ? "" : "s");
	print_nonzero(f, v);
}

static void
json_counters(FILE *f, const uint64_t *v)
{
	fputc('{', f);
	for (unsigned int c = 0; c < USH_CTR_COUNT; c++)
		fprintf(f, "%s\"%s\":%" PRIu64, c == 0 ? "" : ",", ctr_name(c), v[c]);
	fputc('}', f);
}

int
ush_dp_stats_json(const char *path, struct ush_dp_worker *const *w, unsigned int n, uint64_t mbufs,
		  uint64_t mbufs_returned)
{
	uint64_t v[USH_CTR_COUNT];
	FILE *f;
	int rc = 0;

	f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	ush_dp_counters_sum(w, n, v);
	fprintf(f, "{\"version\":1,\"counters\":");
	json_counters(f, v);
	fprintf(f, ",\"workers\":[");
	for (unsigned int i = 0; i < n; i++) {
		for (unsigned int c = 0; c < USH_CTR_COUNT; c++)
			v[c] = ctr_read(w[i], c);
		fprintf(f, "%s{\"worker\":%u,\"lcore\":%u,\"counters\":", i == 0 ? "" : ",",
			w[i]->id, w[i]->lcore_id);
		json_counters(f, v);
		fputc('}', f);
	}
	fprintf(f,
		"],\"mbufs\":{\"total\":%" PRIu64 ",\"returned\":%" PRIu64 ",\"leaked\":%" PRIu64
		"}}\n",
		mbufs, mbufs_returned, mbufs >= mbufs_returned ? mbufs - mbufs_returned : 0);
	if (ferror(f))
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}
