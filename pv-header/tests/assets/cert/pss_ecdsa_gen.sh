#!/bin/sh
# Builds a small chain that uses RSA-PSS and ECDSA P-521 signatures, for pv-header's
# host-key-document tests. Run in an empty directory with OpenSSL 3.
set -eu
IBM="International Business Machines Corporation"
subj() { echo "/C=US/O=$IBM/CN=$IBM/ST=New York/L=$1/OU=$2"; }
PSS256="-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sha256"
CAPSS256="-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -md sha256"
PSS384="-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sha384"

cat > ext.cnf <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[sign]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[nc]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = critical, permitted;DNS:example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[host]
keyUsage = critical, keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:pss_ecdsa_sign.crl
CNF

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out root.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out inter.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out sign.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out host.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out host_rev.key

openssl req -new -x509 -key root.key -subj "$(subj Armonk 'PSS Root CA')" -days 36500 \
  $PSS256 -extensions ca -config ext.cnf -out root.crt 2>/dev/null
csr() { openssl req -new -key "$1" -subj "$2" -out "$3"; }
issue() { # csr issuer_crt issuer_key ext out sigopts...
  c=$1; ic=$2; ik=$3; e=$4; o=$5; shift 5
  openssl x509 -req -in "$c" -CA "$ic" -CAkey "$ik" -CAcreateserial -days 36500 \
    -extfile ext.cnf -extensions "$e" "$@" -out "$o" 2>/dev/null
}
csr inter.key "$(subj Armonk 'PSS Intermediate CA')" inter.csr
issue inter.csr root.crt root.key ca inter.crt $PSS256
csr sign.key "$(subj Poughkeepsie 'IBM Z Host Key Signing Service')" sign.csr
issue sign.csr inter.crt inter.key sign sign.crt $PSS384
csr host.key "$(subj Armonk 'IBM Z Host Key')" host.csr
issue host.csr sign.crt sign.key host host.crt -sha512
csr host_rev.key "$(subj Armonk 'IBM Z Host Key')" host_rev.csr
issue host_rev.csr sign.crt sign.key host host_rev.crt -sha512

# Defect cases. The intermediate again, with a critical name-constraints extension.
issue inter.csr root.crt root.key nc inter_nc.crt $PSS256
# The signing key under another issuer name (L=Boston): a host document it issues has a
# matching authority key identifier but the wrong issuer name.
openssl req -new -x509 -key sign.key -subj "$(subj Boston 'IBM Z Host Key Signing Service')" \
  -days 36500 -sha512 -out sign_boston.crt
issue host.csr sign_boston.crt sign.key host host_wrong_issuer.crt -sha512
# A self-signed root with a 1024-bit RSA key (below OpenSSL security level 2).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out weak.key 2>/dev/null
openssl req -new -x509 -key weak.key -subj "$(subj Armonk 'Weak Root CA')" -days 36500 \
  -sha256 -out weak_root.crt 2>/dev/null

# CRLs with `openssl ca`.
mkcrl() { # name crt key revoked_crt_or_empty out sigopts...
  n=$1; crt=$2; key=$3; rev=$4; out=$5; shift 5
  mkdir -p "db_$n"; : > "db_$n/index.txt"; echo 01 > "db_$n/crlnumber"
  cat > "ca_$n.cnf" <<CNF
[ca]
default_ca = d
[d]
database = db_$n/index.txt
crlnumber = db_$n/crlnumber
default_md = default
default_crl_days = 36500
crl_extensions = crlext
[crlext]
authorityKeyIdentifier = keyid
CNF
  if [ -n "$rev" ]; then
    openssl ca -config "ca_$n.cnf" -cert "$crt" -keyfile "$key" -revoke "$rev" 2>/dev/null
  fi
  openssl ca -config "ca_$n.cnf" -cert "$crt" -keyfile "$key" -gencrl "$@" -out "$out" 2>/dev/null
}
mkcrl root root.crt root.key "" root.crl $CAPSS256
mkcrl inter inter.crt inter.key "" inter.crl $CAPSS256
mkcrl sign sign.crt sign.key host_rev.crt sign.crl -md sha512

for f in root inter sign host host_rev inter_nc host_wrong_issuer weak_root; do cp $f.crt pss_ecdsa_$f.crt; done
for f in root inter sign; do cp $f.crl pss_ecdsa_$f.crl; done
