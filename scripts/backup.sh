#!/usr/bin/env bash
# `make backup`: a copy of the portal that `make restore BACKUP=<folder>` brings
# back, also on a fresh set of services. Into $BACKUP_DIR (default
# .local/backups)/nakano-<UTC time>/:
#   ckan.dump       PostgreSQL dump of CKAN's database: catalog, users, tokens,
#                   activity, harvest sources/jobs/objects, metrics, validation
#   datastore.dump  PostgreSQL dump of the DataStore database
#   files.tar.gz    uploaded files (ckan.storage_path; generated webassets left out)
#   bucket.tar.gz   uploads kept in an S3-compatible bucket, when so configured
#   ckan.ini        this portal's CKAN ini, secrets included: keep backups private
#   manifest.json   counts and file checksums, checked after a restore
# Usage events still queued in Redis are written to PostgreSQL first.
source "$(dirname "$0")/lib.sh"

[ -f "$CKAN_INI" ] || fail "no $CKAN_INI: is this portal set up (make up)?"
"$ROOT/scripts/services.sh" start postgres redis
OUT=${BACKUP_DIR:-$LOCAL/backups}/nakano-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT" && chmod 700 "$OUT"

say "Metrics: writing queued usage events to PostgreSQL"
"$VENV/bin/ckan" -c "$CKAN_INI" nakano metrics ingest >>"$(step_log backup.log)" 2>&1 \
  || fail "metrics ingest failed, see $LOGDIR/backup.log"

say "Backup: databases $PG_DB and $PG_DS_DB, uploaded files → $OUT"
(umask 077; "$VENV/bin/python" "$ROOT/scripts/backup.py" "$CKAN_INI" --into "$OUT" --pg-bin "$PG_BIN") \
  2>>"$LOGDIR/backup.log" || { rm -rf "$OUT"; fail "backup failed (nothing kept), see $LOGDIR/backup.log"; }
(umask 077; cp "$CKAN_INI" "$OUT/ckan.ini")
git -C "$ROOT" rev-parse HEAD > "$OUT/commit" 2>/dev/null || true
say "Backup done: $OUT"
