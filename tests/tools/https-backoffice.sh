#!/bin/sh
# A back office on this machine for the https:// transport: nginx from
# Debian with mutual TLS and WebDAV PUT, run by an unprivileged user in a
# folder of its own (docs/delivery.md). Used by the upload tests and
# benches, and by hand:
#
#   tests/tools/https-backoffice.sh certs DIR     certificates (openssl)
#   tests/tools/https-backoffice.sh run DIR [PORT [EXPIRED_PORT BLACKHOLE_PORT PLAIN_PORT]]
#                                                 nginx in the foreground
#
# `run` makes the certificates first when DIR has none. Records arrive in
# DIR/data/records/<id>.bkrec. The kiosk uses DIR/certs/ca.pem (trust),
# DIR/certs/kiosk.pem and kiosk.key (its identity). Also made, for the
# tests: a CA nobody trusts and a kiosk certificate it signed (other-*), a
# kiosk certificate that the CRL revokes (revoked.*) and a server
# certificate that expired in 2020 (expired.*). The extra ports serve the
# tests' faults; without them only PORT (default 8443) listens.
set -eu

die() { echo "https-backoffice.sh: $*" >&2; exit 1; }

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca_init NAME: a self-signed CA with an `openssl ca` database.
ca_init() {
  mkdir -p "$C/$1.db/new"
  : > "$C/$1.db/index.txt"
  echo 1000 > "$C/$1.db/serial"
  echo 1000 > "$C/$1.db/crlnumber"
  cat > "$C/$1.cnf" <<CNF
[ ca ]
default_ca = this
[ this ]
database = $C/$1.db/index.txt
new_certs_dir = $C/$1.db/new
certificate = $C/$1.pem
private_key = $C/$1.key
serial = $C/$1.db/serial
crlnumber = $C/$1.db/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = any
unique_subject = no
copy_extensions = copy
[ any ]
commonName = supplied
[ server ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[ client ]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
CNF
  key "$C/$1.key"
  openssl req -x509 -new -key "$C/$1.key" -subj "/CN=biokiosk test $1" \
    -days 30 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -out "$C/$1.pem" 2>/dev/null
}

# sign CA NAME EXTENSIONS [openssl ca options]: NAME.key and NAME.pem.
sign() {
  ca=$1 name=$2 ext=$3
  shift 3
  key "$C/$name.key"
  openssl req -new -key "$C/$name.key" -subj "/CN=$name" -out "$C/$name.csr" 2>/dev/null
  openssl ca -batch -notext -config "$C/$ca.cnf" -extensions "$ext" \
    -in "$C/$name.csr" -out "$C/$name.pem" "$@" 2>/dev/null
  rm -f "$C/$name.csr"
}

certs() {
  C=$1/certs
  [ -f "$C/crl.pem" ] && return 0
  command -v openssl >/dev/null || die "openssl is not installed"
  mkdir -p "$C"
  ca_init ca
  ca_init other-ca
  sign ca server server
  sign ca expired server -startdate 20200101000000Z -enddate 20200201000000Z
  sign ca kiosk client
  sign ca revoked client
  sign other-ca other-kiosk client
  openssl ca -config "$C/ca.cnf" -revoke "$C/revoked.pem" 2>/dev/null
  openssl ca -config "$C/ca.cnf" -gencrl -out "$C/crl.pem" 2>/dev/null
  chmod 600 "$C"/*.key
}

# The test faults: each location answers as a broken back office would.
faults() {
  cat <<CONF
    location /f500/ { return 500; }
    location /f503/ { add_header Retry-After 7 always; return 503; }
    location /f429/ { add_header Retry-After 5 always; return 429; }
    location /f507/ { return 507; }
    location /f400/ { return 400; }
    location /f401/ { return 401; }
    location /f403/ { return 403; }
    location /f413/ { client_max_body_size 1k; dav_methods PUT; }
    location /reset/ { return 444; }
    location /mismatch/ {
      dav_methods PUT;
      create_full_put_path on;
      if (\$request_method = GET) { return 200 "other bytes"; }
    }
    location /hang/ {
      proxy_pass http://127.0.0.1:$BLACKHOLE_PORT;
      proxy_read_timeout 1h;
    }
    location /lostack/ {
      mirror /mirror-store;
      proxy_pass http://127.0.0.1:$BLACKHOLE_PORT;
      proxy_read_timeout 1h;
    }
    location = /mirror-store {
      internal;
      proxy_pass http://127.0.0.1:$PLAIN_PORT\$request_uri;
    }
CONF
}

# A TLS server block on port $1 with certificate $2.
server() {
  cat <<CONF
  server {
    listen 127.0.0.1:$1 ssl;
    ssl_certificate $C/$2.pem;
    ssl_certificate_key $C/$2.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_client_certificate $C/ca.pem;
    ssl_crl $C/crl.pem;
    ssl_verify_client on;
    root $D/data;
    location /records/ {
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw;
      limit_except GET PUT { deny all; }
    }
CONF
  [ -n "$BLACKHOLE_PORT" ] && faults
  echo "  }"
}

config() {
  cat <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/logs/error.log warn;
events { worker_connections 512; }
http {
  access_log $D/logs/access.log;
  client_body_temp_path $D/data/.tmp/body;
  proxy_temp_path $D/data/.tmp/proxy;
  fastcgi_temp_path $D/data/.tmp/fastcgi;
  uwsgi_temp_path $D/data/.tmp/uwsgi;
  scgi_temp_path $D/data/.tmp/scgi;
  default_type application/octet-stream;
  client_max_body_size 64m;
  client_body_buffer_size 1m;
  sendfile on;
CONF
  server "$PORT" server
  if [ -n "$BLACKHOLE_PORT" ]; then
    server "$EXPIRED_PORT" expired
    cat <<CONF
  server {
    listen 127.0.0.1:$PLAIN_PORT;
    client_max_body_size 64m;
    location /lostack/ {
      alias $D/data/records/;
      dav_methods PUT;
      create_full_put_path on;
    }
  }
CONF
  fi
  echo "}"
}

cmd=${1:-}
[ $# -ge 2 ] || die "usage: $0 certs|run DIR [PORT [EXPIRED_PORT BLACKHOLE_PORT PLAIN_PORT]]"
D=$(mkdir -p "$2" && cd "$2" && pwd)
C=$D/certs
PORT=${3:-8443}
EXPIRED_PORT=${4:-}
BLACKHOLE_PORT=${5:-}
PLAIN_PORT=${6:-}
case $cmd in
  certs) certs "$D" ;;
  run)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "nginx is not installed"
    certs "$D"
    mkdir -p "$D/logs" "$D/data/records" "$D/data/.tmp"
    config > "$D/nginx.conf"
    exec "$(command -v nginx || echo /usr/sbin/nginx)" -p "$D" -e "$D/logs/error.log" -c "$D/nginx.conf"
    ;;
  *) die "unknown command '$cmd' (certs or run)" ;;
esac
