#!/bin/sh
# Puts the xloader settings that depend on the deployment into this
# container's ini: the token made by the web container's first start (on the
# shared storage volume) and the job records' database. With arguments, runs
# them afterwards (the jobs worker's command).
set -e
token_file=/var/lib/ckan/xloader-api-token
for _ in $(seq 60); do [ -s "$token_file" ] && break; sleep 5; done
[ -s "$token_file" ] || { echo "no $token_file: has the ckan container started?" >&2; exit 1; }
ckan config-tool "$CKAN_INI" "ckanext.xloader.api_token=$(cat "$token_file")" \
  "ckanext.xloader.jobs_db.uri=$CKAN_SQLALCHEMY_URL"
[ $# -eq 0 ] || exec "$@"
