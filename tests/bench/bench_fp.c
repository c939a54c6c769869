/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/*
 * Retransmission fingerprints (dataplane/auth/nc_table.c): ns per request of
 * ush_nc_fingerprint_burst() on bursts of 32 against ush_nc_fingerprint() one by one, for
 * REGISTER-sized, INVITE-sized and mixed lengths. Thread CPU time, median of runs. The burst
 * and the one-by-one results are compared before timing: the driver stops on a difference.
 *
 *   bench-fp [ROUNDS]
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ush_nonce.h"
#include "bench_common.h"

#define BURST 32
#define RUNS  9

static uint8_t buf[BURST][2048];

static double
time_burst(const struct ush_nc_table *t, const struct ush_nc_fp_in *in, int rounds, bool one)
{
	uint32_t out[BURST];
	double start = bench_cpu_now();

	for (int r = 0; r < rounds; r++) {
		if (one)
			for (unsigned int i = 0; i < BURST; i++)
				out[i] = ush_nc_fingerprint(t, in[i].msg, in[i].len, in[i].peer,
							    in[i].peer_len);
		else
			ush_nc_fingerprint_burst(t, in, BURST, out);
		__asm__ volatile("" : : "r"(out) : "memory");
	}
	return (bench_cpu_now() - start) / rounds / BURST * 1e9;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		size_t base, spread;
	} shapes[] = {
		{"REGISTER ~600 B", 600, 24},
		{"REGISTER 500-700 B", 500, 200},
		{"INVITE ~1100 B", 1100, 64},
		{"mixed 300-1300 B", 300, 1000},
	};
	static const uint8_t peer[7] = {2, 198, 51, 100, 23, 0x13, 0xc4};
	int rounds = argc > 1 ? atoi(argv[1]) : 20000;
	void *mem = aligned_alloc(64, ush_nc_table_size(4));
	struct ush_nc_table *t = mem ? ush_nc_table_init(mem, 4, 0x5eed) : NULL;

	if (t == NULL || rounds <= 0)
		return 1;
	for (unsigned int i = 0; i < BURST; i++)
		for (unsigned int j = 0; j < sizeof(buf[i]); j++)
			buf[i][j] = (uint8_t)(i * 131 + j * 7 + (j >> 4));
	printf("%-18s %14s %14s %8s\n", "requests", "burst ns/req", "1-by-1 ns/req", "ratio");
	for (unsigned int s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		struct ush_nc_fp_in in[BURST];
		uint32_t out[BURST];
		double b[RUNS], o[RUNS];

		for (unsigned int i = 0; i < BURST; i++)
			in[i] = (struct ush_nc_fp_in){buf[i],
						      shapes[s].base + (i * 7919) % shapes[s].spread,
						      peer, sizeof(peer)};
		ush_nc_fingerprint_burst(t, in, BURST, out);
		for (unsigned int i = 0; i < BURST; i++)
			if (out[i] != ush_nc_fingerprint(t, in[i].msg, in[i].len, peer, sizeof(peer))) {
				fprintf(stderr, "bench-fp: burst and one-by-one differ\n");
				return 1;
			}
		for (int r = 0; r < RUNS; r++) {
			b[r] = time_burst(t, in, rounds, false);
			o[r] = time_burst(t, in, rounds / 2, true);
		}
		double mb = bench_median(b, RUNS), mo = bench_median(o, RUNS);

		printf("%-18s %14.1f %14.1f %7.2fx\n", shapes[s].name, mb, mo, mo / mb);
	}
	free(mem);
	return 0;
}
