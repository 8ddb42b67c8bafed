# Nakano Open Data Portal. The two commands of the README:
#   make up    bring the whole portal up with demo data
#   make test  run every test against real services
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help up down test test-reliability install services status logs bench backup restore

help:
	@echo "make up      install what is missing, start all services, load demo data, serve http://127.0.0.1:5000"
	@echo "make test    run the whole test suite against real PostgreSQL, Redis and Solr"
	@echo "make test-reliability  the fault-and-load suite (tests/reliability, docs/reliability.md)"
	@echo "make down    stop everything make up / make test started"
	@echo "make status  show which services answer"
	@echo "make logs    show where the logs are (and their last lines)"
	@echo "make bench   run the benchmarks in bench/"
	@echo "make backup  back up databases, uploaded files and settings into .local/backups/"
	@echo "make restore BACKUP=<folder>  restore a backup (also onto a fresh machine)"

up:
	@scripts/up.sh

test:
	@scripts/test.sh $(ARGS)

# Stops, kills and restarts services of a portal of its own (free ports): not
# part of `make test`, which stays within the CI's time budget.
test-reliability:
	@scripts/test.sh tests/reliability $(ARGS)

down:
	@scripts/services.sh stop

install:
	@scripts/install.sh

status:
	@scripts/services.sh status

logs:
	@scripts/logs.sh

bench:
	@bench/run.sh

backup:
	@scripts/backup.sh

restore:
	@scripts/restore.sh "$(BACKUP)"
