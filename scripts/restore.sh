#!/usr/bin/env bash
# `make restore BACKUP=<folder of make backup>`: brings a backup back into this
# checkout's services (a fresh machine works: they are installed and started).
# What was there is kept: a portal with datasets is backed up first, and the
# old file folder is moved aside, not deleted. Afterwards the databases and
# files are checked against the backup's manifest.json, and the search index
# is rebuilt from the database.
# Not in a backup: jobs queued in Redis (harvest runs come again on schedule;
# DataStore loads and validations can be queued again, docs/operations.md).
source "$(dirname "$0")/lib.sh"

BACKUP=${1:-}
[ -n "$BACKUP" ] || fail "usage: make restore BACKUP=<folder made by make backup>"
BACKUP=$(cd "$BACKUP" 2>/dev/null && pwd) || fail "no backup folder $1"
for f in ckan.dump datastore.dump files.tar.gz ckan.ini manifest.json; do
  [ -f "$BACKUP/$f" ] || fail "$BACKUP is not a complete backup: $f is missing"
done

"$ROOT/scripts/install.sh"
# Nothing may write while the databases are replaced.
"$ROOT/scripts/services.sh" stop nginx upkeep metrics harvest worker ckan
"$ROOT/scripts/services.sh" start postgres redis solr
resolve_pgdata

psql_main() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -X -q -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d "$1" -tAc "$2"; }
if [ -f "$CKAN_INI" ] && [ "$(psql_main "$PG_DB" "select count(*) from package" 2>/dev/null || echo 0)" != 0 ]; then
  say "Restore: keeping the current portal first (make backup)"
  "$ROOT/scripts/backup.sh" || fail "could not back up the current portal; nothing was restored"
fi

# The backup's ini carries its secrets (sessions, API tokens); this machine's
# services and the portal settings are then written over it, as make up does.
cp "$BACKUP/ckan.ini" "$CKAN_INI" && chmod 600 "$CKAN_INI"
write_ckan_ini
STORAGE=$LOCAL/storage

restore_db() {  # restore_db DB DUMP
  say "PostgreSQL: restoring $1"
  psql_main postgres "drop database if exists $1" || fail "could not drop $1 (is something still connected?)"
  "$ROOT/scripts/services.sh" createdb "$1"
  PGPASSWORD=$PG_PASSWORD "$PG_BIN/pg_restore" -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d "$1" --no-owner \
    --no-privileges --exit-on-error "$2" >>"$LOGDIR/restore.log" 2>&1 || fail "pg_restore of $1 failed, see $LOGDIR/restore.log"
}
step_log restore.log >/dev/null   # this run's part of the log starts here
restore_db "$PG_DB" "$BACKUP/ckan.dump"
restore_db "$PG_DS_DB" "$BACKUP/datastore.dump"
"$ROOT/scripts/services.sh" datastore "$PG_DB" "$PG_DS_DB"   # the read-only role's grants

say "Files: restoring into $STORAGE"
if [ -d "$STORAGE" ] && [ -n "$(ls -A "$STORAGE")" ]; then
  mv "$STORAGE" "$STORAGE.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
fi
mkdir -p "$STORAGE" && tar -C "$STORAGE" -xzf "$BACKUP/files.tar.gz" || fail "could not unpack the files"

if [ -f "$BACKUP/bucket.tar.gz" ]; then   # uploads on S3-compatible storage
  grep -Eq "^ckan\.files\.storage\.resources\.endpoint *= *http://$HOST:$S3_PORT" "$CKAN_INI" \
    && "$ROOT/scripts/services.sh" start s3
  say "Files: putting the uploads back into the bucket"
  "$VENV/bin/python" "$ROOT/scripts/backup.py" "$CKAN_INI" --restore-bucket "$BACKUP/bucket.tar.gz" \
    >>"$LOGDIR/restore.log" 2>&1 || fail "could not restore the bucket, see $LOGDIR/restore.log"
fi

CKAN="$VENV/bin/ckan -c $CKAN_INI"
$CKAN db upgrade >>"$LOGDIR/restore.log" 2>&1 || fail "database migrations failed, see $LOGDIR/restore.log"
say "Restore: comparing with the backup's manifest"
"$VENV/bin/python" "$ROOT/scripts/backup.py" "$CKAN_INI" --compare "$BACKUP/manifest.json" \
  2>>"$LOGDIR/restore.log" || fail "the restored portal differs from the backup, see $LOGDIR/restore.log"
say "Search index: rebuilding from the database"
$CKAN nakano search-index rebuild >>"$LOGDIR/restore.log" 2>&1 || fail "search index rebuild failed, see $LOGDIR/restore.log"
$CKAN asset build >>"$LOGDIR/restore.log" 2>&1 || fail "building the CSS/JS bundles failed, see $LOGDIR/restore.log"
"$ROOT/scripts/services.sh" start ckan nginx worker harvest metrics upkeep
say "Restored $BACKUP: http://$HOST:$CKAN_PORT"
