#!/bin/sh
# Before the web server starts (official image's docker-entrypoint.d). The
# portal settings (config/portal.ini) were merged into the image's ini at
# build time, so the worker containers have them too; service URLs and
# secrets come from the environment (CKAN_SQLALCHEMY_URL, CKAN_SOLR_URL, ...).
set -e
ckan -c "$CKAN_INI" db upgrade
# CSS/JS bundles built once (pages do not check them: config/portal.ini).
ckan -c "$CKAN_INI" asset build
# Each lesson of /learn as a reuse of the datasets it uses (as make up).
ckan -c "$CKAN_INI" nakano lessons publish
# DataStore permissions for the read-only role: CKAN's own SQL, as make up.
ckan -c "$CKAN_INI" datastore set-permissions | python3 -c '
import os, sys, psycopg2
conn = psycopg2.connect(os.environ["CKAN_DATASTORE_WRITE_URL"])
conn.autocommit = True
conn.cursor().execute(sys.stdin.read())'
# ckanext-xloader calls the API with a token of the site user (a sysadmin
# that is no person; metrics do not count its requests) and keeps its job
# records in the main database (as scripts/up.sh). The token is made once and
# kept on the shared storage volume, where the jobs worker reads it too.
# Generation 2: tokens made before it were readable by department editors
# (xloader_status), so they are replaced once, the old revoked (as make up).
token_file=/var/lib/ckan/xloader-api-token
generation=2
if [ ! -s "$token_file" ] || [ "$(cat "$token_file.generation" 2>/dev/null)" != "$generation" ]; then
  (umask 077; ckan -c "$CKAN_INI" nakano worker-token xloader --replace | tail -n 1 | tr -d '[:space:]' \
    > "$token_file.new")
  [ -s "$token_file.new" ] || { echo "could not make the xloader API token" >&2; exit 1; }
  mv "$token_file.new" "$token_file"
  echo "$generation" > "$token_file.generation"
fi
/srv/app/nakano/docker/ckan/xloader-settings.sh
