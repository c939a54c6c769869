/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* Prints "reason<TAB>code<TAB>message" per verification reason, for check_identity_doc.py. */

#include <stdio.h>

#include "ushd_identity.h"

int
main(void)
{
	for (int r = 0; r < USHD_ID_R_COUNT; r++) {
		enum ushd_id_verdict v = ushd_identity_reason_verdict(r);

		printf("%s\t%u\t%s\n", ushd_identity_reason_name(r), ushd_identity_verdict_code(v),
		       ushd_identity_reason_text(r));
	}
	return 0;
}
