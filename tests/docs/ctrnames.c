/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Prints every dataplane counter's name and description from the x-macro table, in order. */

#include <stdio.h>

#include "usher_counters.h"

int
main(void)
{
#define CTR_PRINT(e, name, desc) printf("%s\t%s\n", name, desc);
	USH_COUNTERS(CTR_PRINT)
#undef CTR_PRINT
	return 0;
}
