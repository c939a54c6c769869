#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
#
# Builds a throw-away SHAKEN test PKI with the openssl CLI into DIR (created):
#   root (trust anchor) -> inter (STI-CA) -> sp (STI-SP, TNAuthList SPC "1234"), plus variants
#   sp_expired, sp_revoked (listed in inter.crl), sp_crit (critical TNAuthList), sp_notn (no
#   TNAuthList), sp_tn (TNAuthList: one 12025550100, range 12025550200 +100), sp_rsa (RSA
#   key), sp_bad_tn (TNAuthList with a letter in a TN), evil_* (same shape under a root that
#   is not an anchor). CRLs: crl/root.crl (empty, 30 days), crl/inter.crl (2 days); inter_only.crl alone.
#   Repository repo/: an index file "URL FILE" for most, sp_sha.pem under sha256(URL).pem.
#   x5u fetch: tls_ca.pem (fetch_ca), tls_srv.{pem,key} (localhost, 127.0.0.1), www/.
#
#   gen_pki.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
exec 3>&2 2>gen.log

cat > pki.cnf <<'EOF'
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused

[ ca ]
default_ca = ca_inter
[ ca_inter ]
dir = inter_ca
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = inter.pem
private_key = inter.key
default_md = sha256
default_days = 365
default_crl_days = 2
policy = pol_any
unique_subject = no
copy_extensions = none
crl_extensions = crl_ext
[ ca_root ]
dir = root_ca
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = root.pem
private_key = root.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = pol_any
unique_subject = no
crl_extensions = crl_ext
[ pol_any ]
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[ v3_inter ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_sp ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.5.5.7.1.26     = ASN1:SEQUENCE:tn_spc
[ v3_sp_crit ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.5.5.7.1.26     = critical, ASN1:SEQUENCE:tn_spc
[ v3_sp_notn ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[ v3_sp_tn ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.5.5.7.1.26     = ASN1:SEQUENCE:tn_list
[ v3_sp_bad_tn ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.5.5.7.1.26     = ASN1:SEQUENCE:tn_bad
[ v3_tls ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1
[ tn_spc ]
spc = EXPLICIT:0,IA5STRING:1234
[ tn_list ]
one = EXPLICIT:2,IA5STRING:12025550100
range = EXPLICIT:1,SEQUENCE:tn_range
[ tn_range ]
start = IA5STRING:12025550200
count = INTEGER:100
[ tn_bad ]
one = EXPLICIT:2,IA5STRING:1202555x100
EOF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1.key"; }
csr() { openssl req -new -key "$1.key" -subj "/CN=$2" -config pki.cnf -out "$1.csr"; }
init_ca() { mkdir -p "$1/new"; : > "$1/index.txt"; echo 1000 > "$1/serial"; echo 1000 > "$1/crlnumber"; }

# anchors: the real root, and an "evil" root that no verifier trusts
for r in root evil_root; do
    key $r
    openssl req -x509 -new -key $r.key -sha256 -days 3650 -subj "/CN=Test STI Root $r" \
        -config pki.cnf -extensions v3_root -out $r.pem
done
init_ca root_ca
key inter; csr inter "Test STI-CA"
openssl ca -batch -config pki.cnf -name ca_root -extensions v3_inter -days 1825 -in inter.csr -out inter.pem
key evil_inter; csr evil_inter "Evil STI-CA"
openssl x509 -req -in evil_inter.csr -CA evil_root.pem -CAkey evil_root.key -set_serial 0x77 \
    -days 1825 -sha256 -extfile pki.cnf -extensions v3_inter -out evil_inter.pem

init_ca inter_ca
issue() { # name ext [ca-options...]
    local n=$1 e=$2; shift 2
    [ -f "$n.key" ] || key "$n"
    csr "$n" "SP $n"
    openssl ca -batch -config pki.cnf -name ca_inter -extensions "$e" -in "$n.csr" -out "$n.pem" "$@"
}
issue sp v3_sp
issue sp_sha v3_sp
issue sp_revoked v3_sp
issue sp_crit v3_sp_crit
issue sp_notn v3_sp_notn
issue sp_tn v3_sp_tn
issue sp_bad_tn v3_sp_bad_tn
issue sp_expired v3_sp -startdate 20200101000000Z -enddate 20210101000000Z
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sp_rsa.key
issue sp_rsa v3_sp
key evil_sp; csr evil_sp "Evil SP"
openssl x509 -req -in evil_sp.csr -CA evil_inter.pem -CAkey evil_inter.key -set_serial 0x78 \
    -days 365 -sha256 -extfile pki.cnf -extensions v3_sp -out evil_sp.pem

openssl ca -config pki.cnf -name ca_inter -revoke sp_revoked.pem -crl_reason keyCompromise
mkdir -p crl
openssl ca -config pki.cnf -name ca_inter -gencrl -out crl/inter.crl
openssl ca -config pki.cnf -name ca_root -gencrl -out crl/root.crl
cp crl/inter.crl inter_only.crl

# x5u bundles: leaf first, then the intermediate (not the root: the anchor comes from ca_file)
mkdir -p repo
for n in sp sp_revoked sp_crit sp_notn sp_tn sp_bad_tn sp_expired sp_rsa; do
    cat $n.pem inter.pem > repo/$n.pem
done
cat evil_sp.pem evil_inter.pem > repo/evil_sp.pem
cp sp.pem repo/sp_nointer.pem
echo "this is not a certificate" > repo/garbage.pem
{
    echo "# test repository: URL FILE"
    for n in sp sp_revoked sp_crit sp_notn sp_tn sp_bad_tn sp_expired sp_rsa evil_sp sp_nointer garbage; do
        printf 'https://cert.example.test/%s.pem\t%s.pem\n' $n $n
    done
} > repo/index
sha=$(printf %s 'https://cert.example.test/sha/sp_sha.pem' | openssl dgst -sha256 -r | cut -d' ' -f1)
cat sp_sha.pem inter.pem > "repo/$sha.pem"

# x5u fetch tests (https_server.py): a TLS CA (fetch_ca) and its server certificate for
# localhost / 127.0.0.1; www/ is the document root (a bundle no repository entry names, and a
# body over the 64 KiB cap)
key tls_ca
openssl req -x509 -new -key tls_ca.key -sha256 -days 3650 -subj "/CN=Test TLS CA" \
    -config pki.cnf -extensions v3_root -out tls_ca.pem
key tls_srv; csr tls_srv localhost
openssl x509 -req -in tls_srv.csr -CA tls_ca.pem -CAkey tls_ca.key -set_serial 0x99 \
    -days 365 -sha256 -extfile pki.cnf -extensions v3_tls -out tls_srv.pem
mkdir -p www
cat sp.pem inter.pem > www/sp.pem
head -c 70000 /dev/zero | tr '\0' A > www/big.pem

# PEM public key of sp (libsecsipid's check takes a key, not a certificate)
openssl pkey -in sp.key -pubout -out sp.pub
# self-check with the CLI, so a broken PKI fails here and not as a confusing verdict
openssl verify -CAfile root.pem -untrusted inter.pem sp.pem >/dev/null
openssl verify -crl_check_all -CAfile root.pem -CRLfile crl/inter.crl -CRLfile crl/root.crl \
    -untrusted inter.pem sp_revoked.pem >/dev/null && { echo "revoked cert verifies" >&3; exit 1; }
exec 2>&3
echo "pki: $dir"
