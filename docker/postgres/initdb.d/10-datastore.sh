#!/bin/sh
# First start of the database volume only (postgres image's initdb hook):
# the DataStore database and its read-only role, as scripts/services.sh
# `datastore` does locally. Table permissions come from CKAN's
# set-permissions SQL, run by the CKAN container (10-nakano.sh).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v ro_user="$DATASTORE_READONLY_USER" -v ro_password="$DATASTORE_READONLY_PASSWORD" \
  -v ds_db="$DATASTORE_DB" -v owner="$POSTGRES_USER" <<'SQL'
CREATE ROLE :"ro_user" NOSUPERUSER NOCREATEDB NOCREATEROLE LOGIN PASSWORD :'ro_password';
CREATE DATABASE :"ds_db" OWNER :"owner" ENCODING 'utf-8';
SQL
