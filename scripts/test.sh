#!/usr/bin/env bash
# `make test`: install what is missing, start the real services, run every test.
# Tests use their own database (nakano_test), Solr core (ckan_test) and Redis
# database (1): the demo catalog of `make up` is never touched.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install.sh"
"$ROOT/scripts/services.sh" start postgres redis solr
"$ROOT/scripts/services.sh" createdb "$PG_TEST_DB"

# test.ini names the default ports; other ports go through CKAN's own
# environment overrides.
export CKAN_SQLALCHEMY_URL="postgresql://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_TEST_DB"
export CKAN_SOLR_URL="http://$HOST:$SOLR_PORT/solr/ckan_test"
export CKAN_REDIS_URL="redis://$HOST:$REDIS_PORT/1"
mkdir -p "$LOCAL/test-storage"

say "Database: applying migrations to $PG_TEST_DB"
"$VENV/bin/ckan" -c "$ROOT/test.ini" db upgrade >"$LOGDIR/test-migrations.log" 2>&1 \
  || fail "test database migrations failed, see $LOGDIR/test-migrations.log"

cd "$ROOT"
say "Running tests"
exec "$VENV/bin/pytest" "$@"
