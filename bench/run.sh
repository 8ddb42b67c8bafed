#!/usr/bin/env bash
# Runs the benchmarks against the real services (started here if needed).
#   bench/run.sh                  all benchmarks
#   bench/run.sh search [ARGS]    Japanese search, stock schema vs ours
#   bench/run.sh validation       validation rows/s and peak memory
#   bench/run.sh harvest [ARGS]   1,000-file folder through the harvest queues
#   bench/run.sh metrics [ARGS]   event ingestion (ab) and latency, metrics on vs off
#   bench/run.sh web [ARGS]       home, search and dataset pages under load (wrk), ours vs stock CKAN
#   bench/run.sh weight [ARGS]    bytes Chromium transfers for the home page (first, second visit) and FCP, nginx vs gunicorn
#   bench/run.sh interop [ARGS]   cost of being harvestable: extras mirror on/off, Turtle with order kept vs rdflib's
#   bench/run.sh inventory [ARGS] data inventory: 10,000-item import (XLSX, CP932 CSV), pages at 10,000 items, package_search with the link field
#   bench/run.sh submissions [ARGS] reuses and data requests: 10,000 requests and 2,000 reuses, list pages vs the search page, dataset page vs feature off, suggestions while typing
#   bench/run.sh charts [ARGS]    chart numbers on 1,000,000 and 10,000 rows: server cold/cached, datastore_search paging, builder page and DuckDB-Wasm in Chromium
#   bench/run.sh catalog [ARGS]   the portal at 1,000 / 10,000 / 100,000 datasets made through CKAN: creation, reindex, pages, API, DCAT, sitemap
#   bench/run.sh scale [ARGS]     Solr core size, SolrCloud (2 nodes, 2x2, alias), web workers, DataStore on a replica, uploads on S3, two web nodes behind nginx
# Uses the test database read-only, its own Solr cores (bench_*) and, for the
# harvest benchmark, its own database (nakano_bench) and Redis db 2; for the
# metrics benchmark, nakano_bench_metrics, Solr core bench_metrics, Redis db 3;
# for the inventory benchmark, nakano_bench_inventory, Solr cores bench_inventory*,
# Redis db 4; for the submissions benchmark, nakano_bench_submissions (its copy
# nakano_bench_submissions_off, DataStore nakano_bench_submissions_datastore),
# Solr core bench_submissions, Redis db 5; for the catalog benchmark,
# nakano_bench_scale (DataStore nakano_bench_scale_datastore), Solr core bench_scale, Redis db 6.
# The web benchmark brings up the portal itself (scripts/up.sh, as make up) and
# serves its demo catalog with a second, stock CKAN gunicorn beside it.
source "$(dirname "$0")/../scripts/lib.sh"
which=${1:-all}; [ $# -gt 0 ] && shift
"$ROOT/scripts/install.sh"
cd "$ROOT"
if [ "$which" = all ] || [ "$which" = validation ]; then
  say "Benchmark: validation"
  "$VENV/bin/python" bench/validation/run.py
fi
if [ "$which" = all ] || [ "$which" = search ]; then
  "$ROOT/scripts/services.sh" start postgres redis solr
  prepare_test_services
  say "Benchmark: search"
  "$VENV/bin/python" bench/search/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = harvest ]; then
  "$ROOT/scripts/services.sh" start postgres redis solr
  "$ROOT/scripts/services.sh" createdb nakano_bench
  say "Benchmark: harvest"
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL "$VENV/bin/python" bench/harvest/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = metrics ]; then
  "$ROOT/scripts/services.sh" start postgres redis solr
  "$ROOT/scripts/services.sh" createdb nakano_bench_metrics
  say "Benchmark: metrics"
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL "$VENV/bin/python" bench/metrics/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = web ]; then
  # The portal's own services and ini, not the test ones exported above.
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$ROOT/scripts/up.sh"
  say "Benchmark: web"
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$VENV/bin/python" bench/web/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = weight ]; then
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$ROOT/scripts/up.sh"
  say "Benchmark: page weight"
  "$VENV/bin/python" bench/web/weight.py "$@"
fi
if [ "$which" = all ] || [ "$which" = interop ]; then
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$ROOT/scripts/up.sh"
  say "Benchmark: interop"
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$VENV/bin/python" bench/interop/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = inventory ]; then
  "$ROOT/scripts/services.sh" start postgres redis solr
  "$ROOT/scripts/services.sh" createdb nakano_bench_inventory
  prepare_test_services   # the DataStore settings of the test databases (the register does not use them)
  say "Benchmark: inventory"
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL "$VENV/bin/python" bench/inventory/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = submissions ]; then
  "$ROOT/scripts/services.sh" start postgres redis solr
  "$ROOT/scripts/services.sh" createdb nakano_bench_submissions
  # Its own DataStore database: the demo catalog's uploads must not reach the test one.
  "$ROOT/scripts/services.sh" datastore nakano_bench_submissions nakano_bench_submissions_datastore
  say "Benchmark: submissions"
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$VENV/bin/python" bench/submissions/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = charts ]; then
  # The portal of make up: its DataStore holds the two tables (dataset bench-charts).
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$ROOT/scripts/up.sh"
  say "Benchmark: charts"
  "$VENV/bin/python" bench/charts/run.py "$@"
fi
if [ "$which" = all ] || [ "$which" = catalog ]; then
  "$ROOT/scripts/services.sh" start postgres redis solr
  say "Benchmark: catalog at scale"
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$VENV/bin/python" bench/scale/catalog.py \
    --svg docs/figures/catalog-scale.svg "$@"
fi
if [ "$which" = all ] || [ "$which" = scale ]; then
  # The portal (its gunicorn is measured with 1 and 2 workers), and the test
  # services for the in-process CKAN that searches the bench cores.
  env -u CKAN_SQLALCHEMY_URL -u CKAN_SOLR_URL -u CKAN_REDIS_URL -u CKAN_DATASTORE_WRITE_URL \
    -u CKAN_DATASTORE_READ_URL -u CKAN_INI "$ROOT/scripts/up.sh"
  prepare_test_services
  say "Benchmark: scale"
  "$VENV/bin/python" bench/scale/run.py "$@"
  "$VENV/bin/python" bench/scale/replica.py
  "$VENV/bin/python" bench/scale/storage.py
  "$VENV/bin/python" bench/scale/nodes.py
fi
