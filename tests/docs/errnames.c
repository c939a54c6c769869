/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Prints every parser error name and reason, one per line, for the docs consistency test. */

#include <stdio.h>

#include "ush_sip.h"

int
main(void)
{
	for (int i = 0; i < USH_SIP_ERR_COUNT; i++)
		printf("%s\t%s\n", ush_sip_errname((enum ush_sip_err)i),
		       ush_sip_strerror((enum ush_sip_err)i));
	return 0;
}
