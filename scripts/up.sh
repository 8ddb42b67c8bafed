#!/usr/bin/env bash
# `make up`: install what is missing, start every service, prepare the database,
# the admin account and the demo catalog, and serve CKAN in the background.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install.sh"
"$ROOT/scripts/services.sh" start postgres redis solr mail
"$ROOT/scripts/services.sh" createdb "$PG_DB"
"$ROOT/scripts/services.sh" datastore "$PG_DB" "$PG_DS_DB"

CKAN="$VENV/bin/ckan -c $CKAN_INI"

write_ckan_ini

say "Database: applying migrations (CKAN and plugins)"
$CKAN db upgrade >>"$(step_log migrations.log)" 2>&1 || fail "database migrations failed, see $LOGDIR/migrations.log"

if [ ! -f "$LOCAL/admin-password" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$LOCAL/admin-password")
fi
if ! $CKAN user show admin 2>/dev/null | grep -q "name=admin"; then
  say "Creating sysadmin 'admin'"
  $CKAN user add admin email=admin@opendata.nakano.example password="$(cat "$LOCAL/admin-password")" \
    >>"$(step_log admin.log)" 2>&1 || fail "could not create user admin, see $LOGDIR/admin.log"
  $CKAN sysadmin add admin >>"$LOGDIR/admin.log" 2>&1 || fail "could not make admin a sysadmin, see $LOGDIR/admin.log"
  rm -f "$LOCAL/admin-api-token" "$LOCAL/worker-api-token"  # tokens of an earlier database would not work
fi
if [ ! -s "$LOCAL/admin-api-token" ]; then
  (umask 077; $CKAN user token add admin make-up | tail -n 1 | tr -d '[:space:]' > "$LOCAL/admin-api-token")
fi
# ckanext-xloader's jobs call the API with a token of the site user (a
# sysadmin that is no person; metrics do not count its requests). Generation 2:
# tokens made before it were readable by department editors through
# xloader_status, so a portal upgraded from then gets a new one, the old revoked.
WORKER_TOKEN_GENERATION=2
if [ ! -s "$LOCAL/worker-api-token" ] \
   || [ "$(cat "$LOCAL/worker-api-token.generation" 2>/dev/null)" != "$WORKER_TOKEN_GENERATION" ]; then
  say "Worker API token: making a new one (older ones of its name are revoked)"
  (umask 077; $CKAN nakano worker-token xloader --replace 2>>"$LOGDIR/admin.log" | tail -n 1 \
    | tr -d '[:space:]' > "$LOCAL/worker-api-token")
  [ -s "$LOCAL/worker-api-token" ] || fail "could not make the worker API token, see $LOGDIR/admin.log"
  echo "$WORKER_TOKEN_GENERATION" > "$LOCAL/worker-api-token.generation"
fi
"$VENV/bin/ckan" config-tool "$CKAN_INI" "ckanext.xloader.api_token=$(cat "$LOCAL/worker-api-token")" >/dev/null

say "Demo catalog: loading (log: $LOGDIR/demo.log)"
$CKAN nakano load-demo >>"$(step_log demo.log)" 2>&1 || fail "loading demo data failed, see $LOGDIR/demo.log"

say "Lessons (/learn): publishing each as a reuse of its datasets (log: $LOGDIR/lessons.log)"
$CKAN nakano lessons publish >>"$(step_log lessons.log)" 2>&1 \
  || fail "publishing the lessons failed, see $LOGDIR/lessons.log"

say "Usage statistics: publishing the open dataset (log: $LOGDIR/metrics-publish.log)"
$CKAN nakano metrics publish >>"$(step_log metrics-publish.log)" 2>&1 \
  || fail "publishing the usage statistics failed, see $LOGDIR/metrics-publish.log"

# What the portal stores with each dataset in the index changes now and then:
# generation 2 keeps the ward fields mirrored into extras (issue 17); generation 3
# leaves identifiers (UUIDs) out of the searched text (「AED」 found a dataset whose
# former id held "aed9"). A portal whose index is of another generation is
# re-indexed once.
INDEX_GENERATION=3
if [ "$(cat "$LOCAL/solr/index-generation" 2>/dev/null)" != "$INDEX_GENERATION" ]; then
  touch "$LOCAL/solr/reindex-needed"
fi
if [ -f "$LOCAL/solr/reindex-needed" ]; then
  say "Search index: rebuilding (Solr configuration or what is indexed changed; log: $LOGDIR/reindex.log)"
  $CKAN nakano search-index rebuild >>"$(step_log reindex.log)" 2>&1 || fail "search index rebuild failed, see $LOGDIR/reindex.log"
  rm -f "$LOCAL/solr/reindex-needed"
fi
echo "$INDEX_GENERATION" > "$LOCAL/solr/index-generation"

# A harvest a newcomer can watch: the declared sources need the internet, so
# the demo adds a folder source of its own (files marked 【デモ】, demo/harvest-share/)
# that is harvested on every `make up`: added the first time, unchanged after.
DEMO_SHARE="$LOCAL/demo-share"
DEMO_DECLARED="$LOCAL/demo-harvesters"
mkdir -p "$DEMO_SHARE" "$DEMO_DECLARED"
cp "$ROOT"/ckanext-nakano/ckanext/nakano/demo/harvest-share/*.csv \
   "$ROOT"/ckanext-nakano/ckanext/nakano/demo/harvest-share/*.yaml "$DEMO_SHARE/"
cat > "$DEMO_DECLARED/demo.yaml" <<YAML
# Written by scripts/up.sh: the demo's folder source (not part of harvesters/).
sources:
  - id: demo-folder
    department: kikaku
    type: folder
    title: 部のフォルダ（デモ） / Department folder (demo)
    url: file://$DEMO_SHARE/
    schedule: manual
YAML

say "Harvest sources: syncing harvesters/ and the demo source (log: $LOGDIR/harvest-sync.log)"
$CKAN nakano harvest sync "$ROOT/harvesters" "$DEMO_DECLARED" >>"$(step_log harvest-sync.log)" 2>&1 \
  || fail "harvest source sync failed, see $LOGDIR/harvest-sync.log"
say "Harvest: the demo folder source (log: $LOGDIR/harvest-demo.log)"
$CKAN nakano harvest run demo-folder >>"$(step_log harvest-demo.log)" 2>&1 \
  || fail "harvesting the demo folder failed, see $LOGDIR/harvest-demo.log"

say "Assets: building the CSS/JS bundles (log: $LOGDIR/assets.log)"
$CKAN asset build >>"$(step_log assets.log)" 2>&1 || fail "building the CSS/JS bundles failed, see $LOGDIR/assets.log"

"$ROOT/scripts/services.sh" start ckan nginx worker harvest metrics upkeep

cat <<MSG

  Nakano Open Data Portal is up: http://$HOST:$CKAN_PORT
  Behind nginx, as in production:  http://$HOST:$NGINX_PORT
  Sysadmin:   admin  (password in $LOCAL/admin-password, API token in $LOCAL/admin-api-token)
  Config:     $CKAN_INI
  Logs:       $LOGDIR   (make logs)
  Stop:       make down
MSG
