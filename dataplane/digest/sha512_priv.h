/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* SHA-512 round constants shared by the scalar and AVX-512 SHA-512/256 kernels. */

#ifndef SHA512_PRIV_H
#define SHA512_PRIV_H

#include <stdint.h>

extern const uint64_t sha512_k[80];

#endif /* SHA512_PRIV_H */
