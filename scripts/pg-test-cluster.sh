# Throw-away PostgreSQL cluster for tests, on a free loopback port. Source this file, then call
# `pg_test_start` (exports PIX_TEST_POSTGRES_URL), `pg_test_down_for SECONDS` and `pg_test_stop`. PG_TEST_OPTIONS adds server
# options (e.g. "-c shared_preload_libraries=pg_stat_statements").
# initdb refuses to run as root, so as root the cluster runs as the `postgres` user.

pg_test_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return 0
  return 1
}

pg_test_start() {
  local bin port as
  bin=$(pg_test_bin) || { echo "notice: PostgreSQL binaries not found; PostgreSQL tests will be skipped" >&2; return 1; }
  PG_TEST_DIR=$(mktemp -d /tmp/pix-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PG_TEST_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_TEST_DIR/initdb.log" 2>&1 \
    || { cat "$PG_TEST_DIR/initdb.log" >&2; return 1; }
  PG_TEST_SERVER_OPTIONS="-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${PG_TEST_OPTIONS:-}"
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w \
    -o "$PG_TEST_SERVER_OPTIONS" start >/dev/null || { cat "$PG_TEST_DIR/server.log" >&2; return 1; }
  PG_TEST_BIN=$bin
  export PIX_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL test cluster on 127.0.0.1:$port ($PG_TEST_DIR)"
}

pg_test_stop() {
  [ -n "${PG_TEST_DIR:-}" ] || return 0
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
  PG_TEST_DIR=
}

# Stops the cluster (fast shutdown), leaves it down SECONDS, then starts it with the same settings.
pg_test_down_for() {
  local as=()
  [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
  "${as[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m fast -w stop >/dev/null
  sleep "$1"
  "${as[@]}" "$PG_TEST_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w \
    -o "$PG_TEST_SERVER_OPTIONS" start >/dev/null || { tail -20 "$PG_TEST_DIR/server.log" >&2; return 1; }
}
