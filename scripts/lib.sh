# Shared settings and helpers of the portal's service scripts (sourced, not run).
# Every path below the checkout; every server on loopback.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL=${NAKANO_LOCAL:-$ROOT/.local}
LOGDIR=$LOCAL/log
RUNDIR=$LOCAL/run
VENV=$ROOT/.venv
CKAN_INI=$LOCAL/ckan.ini

PG_PORT=${NAKANO_PG_PORT:-5432}
REDIS_PORT=${NAKANO_REDIS_PORT:-6379}
SOLR_PORT=${NAKANO_SOLR_PORT:-8983}
CKAN_PORT=${NAKANO_CKAN_PORT:-5000}
NGINX_PORT=${NAKANO_NGINX_PORT:-8080}
S3_PORT=${NAKANO_S3_PORT:-9000}
MAIL_PORT=${NAKANO_MAIL_PORT:-1025}
HOST=127.0.0.1

# Local-only role: the servers listen on loopback and hold nothing but this portal.
PG_USER=nakano
PG_PASSWORD=nakano
PG_DB=nakano
PG_TEST_DB=nakano_test
# CKAN's DataStore: own databases, read through a role that can only SELECT.
PG_DS_DB=nakano_datastore
PG_TEST_DS_DB=nakano_test_datastore
PG_DS_RO_USER=nakano_datastore_ro
PG_DS_RO_PASSWORD=nakano_datastore_ro
PG_BIN=${NAKANO_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGDATA=$LOCAL/pgdata
PG_LOG=$LOGDIR/postgresql.log
# S3-compatible object storage (S3Proxy on a local folder), started when asked.
S3PROXY_VERSION=3.3.0
S3PROXY_JAR=$ROOT/s3/target/s3proxy-$S3PROXY_VERSION.jar
S3_KEY=nakano
S3_SECRET=nakano-local-secret

mkdir -p "$LOGDIR" "$RUNDIR"

say()  { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND once a second.
wait_for() {
  local secs=$1 what=$2; shift 2
  for _ in $(seq "$secs"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

# Logs are appended to, never truncated (a restart kept no trace of the error
# before it). A log past NAKANO_LOG_MAX_BYTES (10 MB) is moved aside when its
# service starts: .1 (newest) … .5 (oldest). A service keeps writing to the file
# it opened until it restarts.
rotate_log() {
  local file=$1 max=${NAKANO_LOG_MAX_BYTES:-10485760} n
  [ -f "$file" ] && [ "$(stat -c %s "$file")" -gt "$max" ] || return 0
  for n in 4 3 2 1; do [ -f "$file.$n" ] && mv -f "$file.$n" "$file.$((n + 1))"; done
  mv -f "$file" "$file.1"
}

# A log of one step of a script: appended to, with a line saying which run it is.
step_log() {
  local file=$LOGDIR/$1
  rotate_log "$file"
  printf '\n==> %s %s\n' "$(date -Is)" "${0##*/}" >>"$file"
  echo "$file"
}

pidfile_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# PostgreSQL runs as the "postgres" user, which must reach its data folder.
# When the checkout is inside a folder that user cannot enter (a private home
# folder), the cluster lives under /var/lib/postgresql/nakano/<hash of .local path>.
resolve_pgdata() {
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$LOCAL"; then
    local base; base=/var/lib/postgresql/nakano/$(printf %s "$LOCAL" | sha1sum | cut -c1-12)
    PGDATA=$base/pgdata
    PG_LOG=$base/postgresql.log
  fi
}

# Run a command as the unprivileged "postgres" user when we are root
# (PostgreSQL refuses to run as root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The test database (migrated), Solr core and Redis database, for test.ini.
# test.ini names the default ports; other ports reach CKAN through its own
# environment overrides.
prepare_test_services() {
  "$ROOT/scripts/services.sh" createdb "$PG_TEST_DB"
  "$ROOT/scripts/services.sh" datastore "$PG_TEST_DB" "$PG_TEST_DS_DB"
  export CKAN_SQLALCHEMY_URL="postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_TEST_DB"
  export CKAN_DATASTORE_WRITE_URL="postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_TEST_DS_DB"
  export CKAN_DATASTORE_READ_URL="postgresql://$PG_DS_RO_USER:$PG_DS_RO_PASSWORD@$HOST:$PG_PORT/$PG_TEST_DS_DB"
  export CKAN_SOLR_URL="http://$HOST:$SOLR_PORT/solr/ckan_test"
  export CKAN_REDIS_URL="redis://$HOST:$REDIS_PORT/1"
  export CKAN_SMTP_SERVER="$HOST:$MAIL_PORT"
  mkdir -p "$LOCAL/test-storage"
  say "Database: applying migrations to $PG_TEST_DB"
  "$VENV/bin/ckan" -c "$ROOT/test.ini" db upgrade >>"$(step_log test-migrations.log)" 2>&1 \
    || fail "test database migrations failed, see $LOGDIR/test-migrations.log"
}

# The CKAN ini of this machine: CKAN's generated one (its secrets kept once
# made), the portal settings of config/portal.ini, then this machine's services.
write_ckan_ini() {
  if [ ! -f "$CKAN_INI" ]; then
    say "Writing $CKAN_INI"
    "$VENV/bin/ckan" generate config "$CKAN_INI" >/dev/null
  fi
  # Portal settings from config/portal.ini, then this machine's services.
  "$VENV/bin/ckan" config-tool "$CKAN_INI" -f "$ROOT/config/portal.ini" >/dev/null
  "$VENV/bin/ckan" config-tool "$CKAN_INI" \
    "sqlalchemy.url=postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB" \
    "ckan.datastore.write_url=postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DS_DB" \
    "ckan.datastore.read_url=postgresql://$PG_DS_RO_USER:$PG_DS_RO_PASSWORD@$HOST:$PG_PORT/$PG_DS_DB" \
    "ckanext.xloader.jobs_db.uri=postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB" \
    "solr_url=http://$HOST:$SOLR_PORT/solr/ckan" \
    "ckan.redis.url=redis://$HOST:$REDIS_PORT/0" \
    "ckan.site_url=http://$HOST:$CKAN_PORT" \
    "smtp.server=$HOST:$MAIL_PORT" \
    "smtp.mail_from=opendata@nakano.example" \
    "ckan.storage_path=$LOCAL/storage" \
    "ckanext.nakano.harvest.folder_roots=$LOCAL/demo-share" >/dev/null
  mkdir -p "$LOCAL/storage" "$LOCAL/demo-share"
}
