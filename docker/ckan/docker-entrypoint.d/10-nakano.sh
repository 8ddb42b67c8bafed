#!/bin/sh
# The same portal settings as `make up` (config/portal.ini); service URLs and
# secrets come from the environment (CKAN_SQLALCHEMY_URL, CKAN_SOLR_URL, ...).
set -e
ckan config-tool "$CKAN_INI" -f /srv/app/nakano/config/portal.ini
ckan -c "$CKAN_INI" db upgrade
