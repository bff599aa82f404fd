#!/usr/bin/env bash
# Make sure the servers the test suite talks to are running on this machine (loopback only).
# Used by .ci/run; safe to run by hand. Installs PostgreSQL from Debian's packages when missing.
set -euo pipefail

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
pg_accepts() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
  echo "test-services: installing PostgreSQL"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-client >/dev/null
fi

if ! pg_ready; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "test-services: starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 50); do pg_ready && break; sleep 0.2; done
fi

if ! pg_accepts; then
  # A fresh Debian install asks for a password on TCP; the tests use trust auth on loopback.
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q '# socialpost-tests' "$hba"; then
    echo "test-services: allowing trust auth from 127.0.0.1 for the tests"
    sed -i '1i host all postgres 127.0.0.1/32 trust # socialpost-tests' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
fi

pg_accepts && echo "test-services: PostgreSQL ready on 127.0.0.1:5432"

# Redis, for the Bluesky AppView the network tests start (it keeps nothing on disk)
command -v redis-server >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null && echo "test-services: Redis ready on 127.0.0.1:6379"

# Node.js and npm, for Prism (X's API contract) and the Bluesky dev-env
command -v node >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }

# Chromium, to check the HTML report in a real headless browser
command -v chromium >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# systemd-analyze, to verify the systemd unit `socialpost service install` writes (Debian's systemd
# package; nothing is started, the tests only run `systemd-analyze --user verify` on a file)
command -v systemd-analyze >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null; }

for tool in node npm chromium systemd-analyze; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-services: $tool is still missing; the tests that need it fail under CI=true" >&2; exit 1; }
done
echo "test-services: node, npm, chromium and systemd-analyze ready"
