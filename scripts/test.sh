#!/usr/bin/env bash
# `make test`: install what is missing, start the real services, run every test.
# Tests use their own database (nakano_test), Solr core (ckan_test) and Redis
# database (1): the demo catalog of `make up` is never touched.
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install.sh"
"$ROOT/scripts/services.sh" start postgres redis solr mail
prepare_test_services
cd "$ROOT"
say "Running tests"
exec "$VENV/bin/pytest" --durations=25 "$@"
