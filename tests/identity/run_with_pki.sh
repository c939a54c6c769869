#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
#
# Builds a fresh test PKI (gen_pki.sh) in a temporary directory, runs the given test program
# with USHD_TEST_PKI pointing at it, and removes it afterwards.
#
#   run_with_pki.sh GEN_PKI PROGRAM [ARGS...]
set -uo pipefail
gen=$1; shift
command -v openssl >/dev/null || { echo "openssl CLI missing (scripts/setup installs it)"; exit 1; }
dir=$(mktemp -d /tmp/ushd_id_pki.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$gen" "$dir/pki" >/dev/null || { echo "gen_pki.sh failed:"; tail -n 20 "$dir/pki/gen.log"; exit 1; }
USHD_TEST_PKI=$dir/pki "$@"
