#!/bin/sh
# Before the web server starts (official image's docker-entrypoint.d). The
# portal settings (config/portal.ini) were merged into the image's ini at
# build time, so the worker containers have them too; service URLs and
# secrets come from the environment (CKAN_SQLALCHEMY_URL, CKAN_SOLR_URL, ...).
set -e
ckan -c "$CKAN_INI" db upgrade
# CSS/JS bundles built once (pages do not check them: config/portal.ini).
ckan -c "$CKAN_INI" asset build
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
token_file=/var/lib/ckan/xloader-api-token
if [ ! -s "$token_file" ]; then
  ckan -c "$CKAN_INI" nakano worker-token xloader | tail -n 1 | tr -d '[:space:]' > "$token_file"
  chmod 600 "$token_file"
fi
/srv/app/nakano/docker/ckan/xloader-settings.sh
