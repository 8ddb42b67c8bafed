#!/usr/bin/env bash
# Runs the benchmarks against the real services (started here if needed).
# Uses the test database read-only and its own Solr cores (bench_*).
source "$(dirname "$0")/../scripts/lib.sh"
"$ROOT/scripts/install.sh"
"$ROOT/scripts/services.sh" start postgres redis solr
prepare_test_services
cd "$ROOT"
"$VENV/bin/python" bench/search/run.py "$@"
