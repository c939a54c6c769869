/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 Usher authors
 */

/* The libFuzzer entry point every target defines, shared with the corpus replay main. */

#ifndef USH_FUZZ_COMMON_H
#define USH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* USH_FUZZ_COMMON_H */
