/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Nonce-count replay table: one 64-bit atomic slot per nonce index, updated by CAS. */

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>

#include "ush_nonce.h"

#define NC_ORDER_MIN 4
#define NC_ORDER_MAX 28
#define NC_MAX	     65535u
#define NC_WINDOW    16u

/*
 * An accepted nc is >= 1 and sets window bit 0, so a slot in use is never all-zero: 0 means
 * "never used", and generation 0 (the first 2^order indexes) is an ordinary generation.
 */
#define NC_EMPTY 0

struct ush_nc_table {
	uint32_t order;
	uint32_t slot_mask;
	uint32_t gen_mask; /* generations are 32 - order bits wide */
	uint32_t gen_half; /* 2^(31 - order): serial-number comparison threshold */
	alignas(64) _Atomic uint64_t slot[];
};

static_assert(sizeof(struct ush_nc_table) == 64, "header is one cache line");
static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "slots must be lock-free");

static inline uint64_t
slot_make(uint32_t gen, uint32_t highest, uint32_t window)
{
	return (uint64_t)gen << 32 | (uint64_t)highest << 16 | window;
}

size_t
ush_nc_table_size(unsigned int order)
{
	if (order < NC_ORDER_MIN || order > NC_ORDER_MAX)
		return 0;
	return sizeof(struct ush_nc_table) + ((size_t)1 << order) * sizeof(uint64_t);
}

struct ush_nc_table *
ush_nc_table_init(void *mem, unsigned int order)
{
	struct ush_nc_table *t = mem;
	size_t slots;

	if (mem == NULL || ((uintptr_t)mem & 63) != 0 || ush_nc_table_size(order) == 0)
		return NULL;
	slots = (size_t)1 << order;
	t->order = order;
	t->slot_mask = (uint32_t)(slots - 1);
	t->gen_mask = (uint32_t)((1ull << (32 - order)) - 1);
	t->gen_half = (uint32_t)(1ull << (31 - order));
	for (size_t i = 0; i < slots; i++)
		atomic_init(&t->slot[i], NC_EMPTY);
	return t;
}

/*
 * Memory ordering: relaxed throughout. The 64-bit word is the slot's whole state; no other
 * memory is published or consumed through it, so there is nothing to order against. The CAS
 * alone makes each update atomic against the latest value in the slot's modification order,
 * which is what guarantees that every nc is accepted at most once across all workers.
 */
enum ush_nc_status
ush_nc_accept(struct ush_nc_table *t, uint32_t index, uint32_t nc)
{
	_Atomic uint64_t *slot = &t->slot[index & t->slot_mask];
	uint32_t gen = index >> t->order;
	uint64_t old, upd;

	if (nc == 0 || nc > NC_MAX)
		return USH_NC_REPLAY;
	old = atomic_load_explicit(slot, memory_order_relaxed);
	do {
		uint32_t sgen = (uint32_t)(old >> 32);
		uint32_t highest = (uint32_t)(old >> 16) & 0xffff;
		uint32_t window = (uint32_t)old & 0xffff;

		if (old == NC_EMPTY || sgen != gen) {
			/*
			 * Serial-number arithmetic (RFC 1982) over 32 - order bits: a distance
			 * d < half means our nonce is newer. d == half is ambiguous: refuse.
			 */
			uint32_t d = (gen - sgen) & t->gen_mask;

			if (old != NC_EMPTY && d >= t->gen_half)
				return USH_NC_EVICTED;
			upd = slot_make(gen, nc, 1);
		} else if (nc > highest) {
			uint32_t shift = nc - highest;

			window = shift >= NC_WINDOW ? 1 : ((window << shift) | 1) & 0xffff;
			upd = slot_make(gen, nc, window);
		} else {
			uint32_t k = highest - nc;

			if (k >= NC_WINDOW || (window & (1u << k)) != 0)
				return USH_NC_REPLAY;
			upd = slot_make(gen, highest, window | (1u << k));
		}
	} while (!atomic_compare_exchange_weak_explicit(slot, &old, upd, memory_order_relaxed,
							memory_order_relaxed));
	return USH_NC_OK;
}

uint64_t
ush_nc_table_used(const struct ush_nc_table *t)
{
	size_t slots = (size_t)t->slot_mask + 1;
	uint64_t used = 0;

	for (size_t i = 0; i < slots; i++)
		used += atomic_load_explicit(&t->slot[i], memory_order_relaxed) != NC_EMPTY;
	return used;
}
