#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
#
# Builds tests/sip/sip_diff.c against a reference snapshot of dataplane/sip/ and runs it over
# the SIP corpora and the fuzz corpora (see the comment at the top of sip_diff.c).
#
#   tests/sip/sip_diff.sh REFDIR [CFLAGS...]     e.g. tests/sip/sip_diff.sh /tmp/sipref -fsanitize=address
#
# NEWFLAGS adds flags to the new parser only: NEWFLAGS=-U__SSE2__ checks its scalar fallbacks
# against the reference as built normally.
#
# Exit status: 0 when no difference was found.
set -euo pipefail
cd "$(dirname "$0")/../.."

ref=${1:?usage: $0 REFDIR [CFLAGS...]}
shift
out=$(mktemp -d /tmp/sip_diff.XXXXXX)
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Iinclude -DUSH_SIP_MAX_HEADERS=128 -DUSH_SIP_MAX_LINE=8192 "$@")

# every external symbol of the reference becomes ref_<name>
syms=(ush_sip_parse ush_sip_strerror ush_sip_errname ush_sip_method_name ush_sip_uri_parse
      ush_sip_uri_parse_lim ush_sip_scan_host ush_sip_cred_parse ush_sip_unescape ush_algo_name
      ush_algo_from_token ush_sip_cclass)
for s in "${syms[@]}"; do echo "#define $s ref_$s"; done >"$out/rename.h"

for f in sip_parse sip_uri sip_cred; do
    cc "${cflags[@]}" -I"$ref" -include "$out/rename.h" -c "$ref/$f.c" -o "$out/ref_$f.o"
    # shellcheck disable=SC2086
    cc "${cflags[@]}" ${NEWFLAGS:-} -Idataplane/sip -c "dataplane/sip/$f.c" -o "$out/new_$f.o"
done
cc "${cflags[@]}" -Idataplane/sip tests/sip/sip_diff.c "$out"/*.o -o "$out/sip_diff"

# leftover reference symbols under their own name would mean a missed rename
if nm "$out"/ref_*.o | grep -E ' [TDRB] ush_' ; then
    echo "sip_diff: reference symbol not renamed" >&2
    exit 2
fi

corpora=(tests/sip/corpus tests/fuzz/corpus/sip_msg tests/fuzz/corpus/sip_cred tests/samples)
for d in build-fuzz/corpus/fuzz_sip_msg build-fuzz/corpus/fuzz_sip_cred build-fuzz/corpus/fuzz_packet; do
    [ -d "$d" ] && corpora+=("$d")
done
"$out/sip_diff" "${corpora[@]}"
