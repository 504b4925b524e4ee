#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that the integration tests use answer on 127.0.0.1.
# Where they already run (CI, these machines) nothing changes; on a fresh Debian machine they are
# installed from Debian's packages and started, PostgreSQL with trust auth on localhost for a `test` db.
set -euo pipefail
pg_up() { (command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q) ; }
redis_up() { (command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]) ; }
apt_updated=0
need() { [ $apt_updated = 1 ] || { apt-get update -qq; apt_updated=1; }; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null || need postgresql
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  grep -q "edcontrol-tests" "$hba" || sed -i "1i host all all 127.0.0.1/32 trust # edcontrol-tests" "$hba"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || pg_ctlcluster --skip-systemctl-redirect "$ver" main reload
  for _ in $(seq 30); do pg_up && break; sleep 1; done
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb test"
fi
if ! redis_up; then
  command -v redis-server >/dev/null || need redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /var/lib/redis \
    --logfile /var/log/redis/edcontrol-tests.log
  for _ in $(seq 30); do redis_up && break; sleep 1; done
fi
pg_up && redis_up
