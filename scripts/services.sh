#!/usr/bin/env bash
# Starts, stops and reports the portal's services: PostgreSQL, Redis, Solr, CKAN
# (gunicorn), nginx in front of it and the background workers. Each server
# listens on 127.0.0.1.
#
#   scripts/services.sh start  [postgres|redis|solr|ckan|nginx|worker|harvest|metrics|upkeep|mail|s3 ...]
#   scripts/services.sh stop   [same]
#   scripts/services.sh status
#   scripts/services.sh createdb|dropdb NAME ...      databases of our role
#   scripts/services.sh stockcore|dropcore NAME       an extra Solr core with CKAN's stock schema
#
# A server already listening on a service's port is reused only when it answers
# as that service with our role; anything else on the port is reported.
source "$(dirname "$0")/lib.sh"

PG_SUPERPASS_FILE=$LOCAL/pg-superuser-password

pg_psql() {  # pg_psql USER PASSWORD DB SQL
  PGPASSWORD=$2 "$PG_BIN/psql" -X -q -h "$HOST" -p "$PG_PORT" -U "$1" -d "$3" -v ON_ERROR_STOP=1 -tAc "$4"
}
pg_accepts_role() { pg_psql "$PG_USER" "$PG_PASSWORD" postgres "select 1" >/dev/null 2>&1; }

start_postgres() {
  resolve_pgdata
  local log=$PG_LOG
  if port_open "$PG_PORT"; then
    if pg_accepts_role; then say "PostgreSQL: reusing the server on port $PG_PORT"; return; fi
    fail "PostgreSQL: port $PG_PORT is taken by a server that does not accept role '$PG_USER' (ours logs to $log). Stop it, or set NAKANO_PG_PORT."
  fi
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    say "PostgreSQL: creating cluster in $PGDATA"
    mkdir -p "$PGDATA" "$(dirname "$log")"
    [ -f "$PG_SUPERPASS_FILE" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$PG_SUPERPASS_FILE")
    local pwfile; pwfile=$(mktemp); cp "$PG_SUPERPASS_FILE" "$pwfile"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$PGDATA" "$pwfile"; fi
    as_pg test -w "$PGDATA" || fail "PostgreSQL: user 'postgres' cannot write $PGDATA"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 >>"$(step_log initdb.log)" 2>&1 \
      || { rm -f "$pwfile"; fail "PostgreSQL: initdb failed, see $LOGDIR/initdb.log"; }
    rm -f "$pwfile"
  fi
  if [ "$(id -u)" = 0 ]; then touch "$log"; chown postgres: "$log"; fi
  say "PostgreSQL: starting on $HOST:$PG_PORT"
  rotate_log "$log"   # pg_ctl -l appends
  # TCP on loopback only; no Unix socket, so nothing depends on a shared socket dir.
  as_pg "$PG_BIN/pg_ctl" start -D "$PGDATA" -l "$log" -w -t 60 \
    -o "-c listen_addresses=$HOST -p $PG_PORT -c unix_socket_directories=''" >/dev/null 2>&1 \
    || fail "PostgreSQL did not start; see $log"
  wait_for 30 postgres pg_psql postgres "$(cat "$PG_SUPERPASS_FILE")" postgres "select 1" \
    || fail "PostgreSQL started but does not answer; see $log"
  if ! pg_accepts_role; then
    pg_psql postgres "$(cat "$PG_SUPERPASS_FILE")" postgres \
      "create role $PG_USER login createdb password '$PG_PASSWORD'" \
      || fail "PostgreSQL: could not create role $PG_USER; see $log"
  fi
}

stop_postgres() {
  resolve_pgdata
  [ -f "$PGDATA/postmaster.pid" ] || return 0
  say "PostgreSQL: stopping"
  as_pg "$PG_BIN/pg_ctl" stop -D "$PGDATA" -m fast -w >/dev/null 2>&1 || true
}

# create_database NAME: as our role, only when missing.
create_database() {
  resolve_pgdata
  if [ -z "$(pg_psql "$PG_USER" "$PG_PASSWORD" postgres "select 1 from pg_database where datname='$1'")" ]; then
    say "PostgreSQL: creating database $1"
    pg_psql "$PG_USER" "$PG_PASSWORD" postgres "create database $1 encoding 'UTF8' template template0" \
      || fail "PostgreSQL: could not create database $1; see $PG_LOG"
  fi
}

# drop_database NAME: as our role; connections still open to it are closed.
drop_database() {
  [[ $1 =~ ^[a-z][a-z0-9_]*$ ]] || fail "PostgreSQL: database name '$1' must be lower-case letters, digits and _"
  case $1 in "$PG_DB"|"$PG_DS_DB") fail "PostgreSQL: $1 is one of the portal's own databases";; esac
  resolve_pgdata
  pg_accepts_role || fail "PostgreSQL: no server accepting role '$PG_USER' on port $PG_PORT"
  say "PostgreSQL: dropping database $1"
  pg_psql "$PG_USER" "$PG_PASSWORD" postgres "drop database if exists $1 with (force)" \
    || fail "PostgreSQL: could not drop database $1; see $PG_LOG"
}

# create_datastore MAIN_DB DATASTORE_DB: CKAN's DataStore database, owned by our
# role, and the read-only role datastore_search queries run as (CKAN's own
# set_permissions.sql, rendered by ckanext.datastore, run as the superuser).
create_datastore() {
  local main=$1 ds=$2 super; super=$(cat "$PG_SUPERPASS_FILE")
  create_database "$ds"
  if [ -z "$(pg_psql postgres "$super" postgres "select 1 from pg_roles where rolname='$PG_DS_RO_USER'")" ]; then
    say "PostgreSQL: creating read-only role $PG_DS_RO_USER"
    pg_psql postgres "$super" postgres "create role $PG_DS_RO_USER login password '$PG_DS_RO_PASSWORD'" \
      || fail "PostgreSQL: could not create role $PG_DS_RO_USER; see $PG_LOG"
  fi
  "$VENV/bin/python" -c 'import sys; from ckanext.datastore.cli import permissions_sql; print(permissions_sql(*sys.argv[1:]))' \
      "$main" "$ds" "$PG_USER" "$PG_USER" "$PG_DS_RO_USER" \
    | PGPASSWORD=$super "$PG_BIN/psql" -X -q -h "$HOST" -p "$PG_PORT" -U postgres -d "$ds" -v ON_ERROR_STOP=1 -f - \
      >>"$(step_log datastore-permissions.log)" 2>&1 \
    || fail "PostgreSQL: DataStore permissions for $ds failed; see $LOGDIR/datastore-permissions.log"
}

redis_answers() { [ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

start_redis() {
  local log=$LOGDIR/redis.log
  if port_open "$REDIS_PORT"; then
    if redis_answers; then say "Redis: reusing the server on port $REDIS_PORT"; return; fi
    fail "Redis: port $REDIS_PORT is taken by something that is not Redis (ours logs to $log). Stop it, or set NAKANO_REDIS_PORT."
  fi
  say "Redis: starting on $HOST:$REDIS_PORT"
  rotate_log "$log"   # redis --logfile appends
  mkdir -p "$LOCAL/redis" 2>/dev/null || true
  redis-server --bind "$HOST" --port "$REDIS_PORT" --daemonize yes --protected-mode yes \
    --dir "$LOCAL/redis" --logfile "$log" --pidfile "$RUNDIR/redis.pid" \
    --save 300 1 --appendonly yes --appendfsync everysec >>"$log" 2>&1 || fail "Redis did not start; see $log"
  wait_for 15 redis redis_answers || fail "Redis did not start; see $log"
}

stop_redis() {
  pidfile_alive "$RUNDIR/redis.pid" || return 0
  say "Redis: stopping"
  local pid; pid=$(cat "$RUNDIR/redis.pid")
  redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown save >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  wait_for 15 redis-stop bash -c "! kill -0 $pid 2>/dev/null" || true
}

SOLR_HOME=$LOCAL/solr
SOLR_CORES=(ckan ckan_test)
solr_url() { echo "http://$HOST:$SOLR_PORT/solr"; }
solr_answers() {
  curl -fsS "$(solr_url)/ckan/schema/name?wt=json" 2>/dev/null | grep -q '"ckan-2.12"'
}

# Solr home: solr.xml, one shared configset (the repo's solr/conf, linked so a
# schema change needs only a restart), one folder per core.
prepare_solr_home() {
  mkdir -p "$SOLR_HOME/configsets/nakano"
  cp "$ROOT/solr/solr.xml" "$SOLR_HOME/solr.xml"
  ln -sfn "$ROOT/solr/conf" "$SOLR_HOME/configsets/nakano/conf"
  for core in "${SOLR_CORES[@]}"; do
    mkdir -p "$SOLR_HOME/$core"
    [ -f "$SOLR_HOME/$core/core.properties" ] || printf 'name=%s\nconfigSet=nakano\n' "$core" > "$SOLR_HOME/$core/core.properties"
  done
}

# Hash of solr/conf: when it differs from the one the cores were loaded with,
# running cores are reloaded and the portal's index is marked for a rebuild
# (scripts/up.sh rebuilds it from PostgreSQL).
solr_conf_hash() { cat "$ROOT"/solr/conf/*.* "$ROOT"/solr/conf/lang/* | sha256sum | cut -d' ' -f1; }

reload_solr_if_conf_changed() {
  local now; now=$(solr_conf_hash)
  [ "$(cat "$SOLR_HOME/conf.sha256" 2>/dev/null)" = "$now" ] && return 0
  for core in "${SOLR_CORES[@]}"; do
    say "Solr: reloading core $core (configuration changed)"
    curl -fsS "$(solr_url)/admin/cores?action=RELOAD&core=$core" >/dev/null \
      || fail "Solr: reloading core $core failed; see $LOGDIR/solr.log"
  done
  echo "$now" > "$SOLR_HOME/conf.sha256"
  touch "$SOLR_HOME/reindex-needed"
}

# An extra core with CKAN's own schema (the schema.xml shipped in the ckan
# wheel: no Japanese analysis, no portal fields), as a stock CKAN site has it.
# The stock CKAN aggregator of the tests (tests/aggregator/) indexes into one,
# in the portal's running Solr. Its configset: that schema, the portal's
# solrconfig.xml (nothing in it names a field), and the two word lists the
# stock schema reads, empty.
STOCK_CONFIGSET=ckan-stock
solr_core_exists() {
  curl -fsS "$(solr_url)/admin/cores?action=STATUS&core=$1&wt=json" 2>/dev/null | grep -q "\"instanceDir\""
}

create_stock_core() {
  local core=$1 schema conf=$SOLR_HOME/configsets/$STOCK_CONFIGSET/conf
  [[ $core =~ ^[a-z][a-z0-9_]*$ ]] || fail "Solr: core name '$core' must be lower-case letters, digits and _"
  solr_answers || fail "Solr: no portal Solr answers on $(solr_url) (scripts/services.sh start solr)"
  schema=$("$VENV/bin/python" -c 'import ckan, os; print(os.path.join(os.path.dirname(ckan.__file__), "config", "solr", "schema.xml"))') \
    || fail "Solr: CKAN is not installed in $VENV"
  [ -f "$schema" ] || fail "Solr: CKAN's stock schema $schema is missing"
  mkdir -p "$conf"
  cp "$schema" "$conf/schema.xml"
  cp "$ROOT/solr/conf/solrconfig.xml" "$conf/solrconfig.xml"
  : > "$conf/synonyms.txt"; : > "$conf/protwords.txt"
  if solr_core_exists "$core"; then say "Solr: reusing core $core"; return; fi
  say "Solr: creating core $core (CKAN's stock schema)"
  mkdir -p "$SOLR_HOME/$core"
  local answer
  answer=$(curl -sS "$(solr_url)/admin/cores?action=CREATE&name=$core&instanceDir=$core&configSet=$STOCK_CONFIGSET&wt=json" 2>&1) \
    && solr_core_exists "$core" || fail "Solr: creating core $core failed: $answer (see $LOGDIR/solr.log)"
  curl -fsS "$(solr_url)/$core/schema/name?wt=json" | grep -q '"ckan-2.12"' \
    || fail "Solr: core $core does not serve CKAN's schema ckan-2.12"
}

drop_core() {
  local core=$1
  solr_answers || fail "Solr: no portal Solr answers on $(solr_url)"
  case " ${SOLR_CORES[*]} " in *" $core "*) fail "Solr: $core is one of the portal's own cores";; esac
  solr_core_exists "$core" || return 0
  say "Solr: removing core $core"
  curl -fsS "$(solr_url)/admin/cores?action=UNLOAD&core=$core&deleteInstanceDir=true&wt=json" >/dev/null \
    || fail "Solr: removing core $core failed; see $LOGDIR/solr.log"
}

start_solr() {
  local log=$LOGDIR/solr.log
  if port_open "$SOLR_PORT"; then
    if solr_answers; then
      say "Solr: reusing the server on port $SOLR_PORT"
      reload_solr_if_conf_changed
      return
    fi
    pidfile_alive "$RUNDIR/solr.pid" && fail "Solr: our Solr on port $SOLR_PORT does not serve core 'ckan' with schema ckan-2.12; see $log"
    fail "Solr: port $SOLR_PORT is taken by something that is not the portal's Solr (ours logs to $log). Stop it, or set NAKANO_SOLR_PORT."
  fi
  [ -f "$ROOT/solr/target/nakano-solr.jar" ] || fail "Solr is not built: run scripts/install.sh"
  # One Solr per home: a second one (another NAKANO_SOLR_PORT) could not lock the index.
  pidfile_alive "$RUNDIR/solr.pid" && fail "Solr: this checkout's Solr already runs (pid $(cat "$RUNDIR/solr.pid")) on another port than $SOLR_PORT; stop it first (make down with the same NAKANO_SOLR_PORT)"
  prepare_solr_home
  say "Solr: starting on $HOST:$SOLR_PORT"
  rotate_log "$LOGDIR/solr-console.log"   # solr.log itself is rotated by Solr's log4j2.xml
  # Clean environment: Solr turns every SOLR_* variable into a system property,
  # and a stray ZK_HOST would switch it to cloud mode.
  nohup env -i PATH="$PATH" HOME="$HOME" LANG=C.UTF-8 \
    java -Xms256m -Xmx${NAKANO_SOLR_HEAP:-1g} -Dfile.encoding=UTF-8 \
      -Dsolr.log.dir="$LOGDIR" -Dlog4j2.configurationFile="$ROOT/solr/src/main/resources/log4j2.xml" \
      -Dsolr.install.dir="$SOLR_HOME" \
      -cp "$ROOT/solr/target/nakano-solr.jar:$ROOT/solr/target/lib/*" \
      jp.lg.nakano.solr.Launcher "$SOLR_HOME" "$SOLR_PORT" "$HOST" \
      >>"$LOGDIR/solr-console.log" 2>&1 &
  echo $! > "$RUNDIR/solr.pid"
  # Solr logs start-up errors instead of exiting: probe the core itself.
  local before; before=$(cat "$SOLR_HOME/conf.sha256" 2>/dev/null || true)
  for _ in $(seq 90); do
    if solr_answers; then
      solr_conf_hash > "$SOLR_HOME/conf.sha256"
      # An index written under another configuration is rebuilt by make up.
      [ -z "$before" ] || [ "$before" = "$(cat "$SOLR_HOME/conf.sha256")" ] || touch "$SOLR_HOME/reindex-needed"
      return 0
    fi
    pidfile_alive "$RUNDIR/solr.pid" || fail "Solr exited; see $LOGDIR/solr-console.log and $log"
    sleep 1
  done
  fail "Solr started but core 'ckan' does not answer; see $log"
}

stop_pidfile() {  # stop_pidfile NAME PIDFILE [group]: "group" stops the process group it leads
  pidfile_alive "$2" || { rm -f "$2"; return 0; }
  say "$1: stopping"
  local target; target=$(cat "$2")
  [ "${3:-}" = group ] && target=-$target
  kill -TERM -- "$target" 2>/dev/null || true
  wait_for 30 "$1" bash -c "! kill -0 -- $target 2>/dev/null" || kill -KILL -- "$target" 2>/dev/null || true
  rm -f "$2"
}

stop_solr() { stop_pidfile Solr "$RUNDIR/solr.pid"; }

s3_answers() {  # S3Proxy's answer to an unsigned request names its own error
  curl -sS "http://$HOST:$S3_PORT/" 2>/dev/null | grep -q "<Code>AccessDenied</Code>"
}

start_s3() {
  if port_open "$S3_PORT"; then
    s3_answers && { say "S3: reusing the server on port $S3_PORT"; return; }
    fail "S3: port $S3_PORT is taken by something that is not S3Proxy. Stop it, or set NAKANO_S3_PORT."
  fi
  [ -f "$S3PROXY_JAR" ] || fail "S3Proxy is not installed: run scripts/install.sh"
  mkdir -p "$LOCAL/s3"
  cat > "$LOCAL/s3proxy.conf" <<CONF
s3proxy.endpoint=http://$HOST:$S3_PORT
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_KEY
s3proxy.credential=$S3_SECRET
jclouds.provider=filesystem
jclouds.filesystem.basedir=$LOCAL/s3
CONF
  say "S3: starting S3Proxy on $HOST:$S3_PORT (files in $LOCAL/s3)"
  rotate_log "$LOGDIR/s3proxy.log"
  nohup java -Xmx256m -jar "$S3PROXY_JAR" --properties "$LOCAL/s3proxy.conf" >>"$LOGDIR/s3proxy.log" 2>&1 &
  echo $! > "$RUNDIR/s3.pid"
  wait_for 60 S3 s3_answers || fail "S3Proxy did not answer; see $LOGDIR/s3proxy.log"
}

stop_s3() { stop_pidfile S3 "$RUNDIR/s3.pid"; }

# A local SMTP server (aiosmtpd) that keeps every message in a Maildir,
# $LOCAL/mail: the portal's mail (password resets) on this machine and in the
# tests, which read it back. Production sends through the ward's relay
# (smtp.* settings, docs/operations.md).
mail_answers() { (exec 3<>"/dev/tcp/$HOST/$MAIL_PORT" && head -c 3 <&3 | grep -q 220) 2>/dev/null; }

start_mail() {
  if port_open "$MAIL_PORT"; then
    mail_answers && { say "Mail: reusing the SMTP server on port $MAIL_PORT"; return; }
    fail "Mail: port $MAIL_PORT is taken by something that is not an SMTP server. Stop it, or set NAKANO_MAIL_PORT."
  fi
  mkdir -p "$LOCAL/mail/cur" "$LOCAL/mail/new" "$LOCAL/mail/tmp"   # a Maildir
  say "Mail: starting an SMTP server on $HOST:$MAIL_PORT (messages in $LOCAL/mail)"
  rotate_log "$LOGDIR/mail.log"
  nohup "$VENV/bin/python" -m aiosmtpd -n -l "$HOST:$MAIL_PORT" -c aiosmtpd.handlers.Mailbox "$LOCAL/mail" \
    >>"$LOGDIR/mail.log" 2>&1 &
  echo $! > "$RUNDIR/mail.pid"
  wait_for 30 mail mail_answers || fail "Mail: the SMTP server did not answer; see $LOGDIR/mail.log"
}

stop_mail() { stop_pidfile Mail "$RUNDIR/mail.pid"; }

ckan_answers() { curl -fsS "http://$HOST:$CKAN_PORT/api/3/action/status_show" 2>/dev/null | grep -q '"success": true'; }

# --- the portal's own processes, under supervisord --------------------------
# config/supervisord.conf declares them (web, job worker, harvest consumers and
# scheduler, metrics ingester, upkeep); supervisord restarts one that exits or
# is killed and keeps its log. Started here, once, with the settings below.
SUPERVISOR_CONF=$ROOT/config/supervisord.conf
PROGRAMS=(ckan worker harvest metrics upkeep)

supervisor_settings() {  # what config/supervisord.conf's %(ENV_…)s are filled in with
  printf '%s\n' "RUNDIR=$RUNDIR" "LOGDIR=$LOGDIR" "VENV=$VENV" "CKAN_INI=$CKAN_INI" "HOST=$HOST" \
    "CKAN_PORT=$CKAN_PORT" "CKAN_WORKERS=${NAKANO_CKAN_WORKERS:-2}" "HARVEST_FETCHERS=${NAKANO_HARVEST_FETCHERS:-2}" \
    "LOG_MAX_BYTES=${NAKANO_LOG_MAX_BYTES:-10485760}"
}

with_settings() {  # with_settings COMMAND…: COMMAND with the settings in its environment
  local settings; mapfile -t settings < <(supervisor_settings)
  env "${settings[@]}" "$@"
}

ctl() { with_settings "$VENV/bin/supervisorctl" -c "$SUPERVISOR_CONF" "$@"; }

supervisor_answers() { pidfile_alive "$RUNDIR/supervisord.pid" && ctl pid >/dev/null 2>&1; }

# A program's name in supervisord: harvest-fetch1 → harvest:fetch1, harvest → the group.
program() { case $1 in harvest-*) echo "harvest:${1#harvest-}" ;; harvest) echo "harvest:*" ;; *) echo "$1" ;; esac; }

# The states of a program (one line per process of a group); empty without supervisord.
# (supervisorctl status exits 3 when a process is not running.)
program_states() {
  supervisor_answers || return 0
  { ctl status "$(program "$1")" 2>/dev/null || true; } | awk '{print $2}'
}

program_running() { [ "$(program_states "$1" | sort -u)" = RUNNING ]; }

start_supervisor() {
  local want running=()
  want=$(supervisor_settings; sha256sum "$SUPERVISOR_CONF" | cut -c1-16)
  # A supervisord that is alive but busy gets a moment to answer.
  if pidfile_alive "$RUNDIR/supervisord.pid" && ! supervisor_answers; then
    wait_for 15 supervisord supervisor_answers || true
  fi
  if supervisor_answers; then
    [ "$(cat "$RUNDIR/supervisord.settings" 2>/dev/null)" = "$want" ] && return 0
    # Its settings are read once, at its start: start it again, and what ran.
    local name
    for name in "${PROGRAMS[@]}"; do [[ $(program_states "$name") == *RUNNING* ]] && running+=("$name"); done
    say "Processes: config/supervisord.conf or its settings changed; restarting supervisord"
    stop_supervisor
  else
    # Programs that outlived a supervisord that was killed, or that the scripts
    # before supervisord started: stopped, and started again under it.
    mapfile -t running < <(unsupervised_programs)
    stop_supervisor   # one that does not answer
  fi
  say "Processes: starting supervisord (config/supervisord.conf, log $LOGDIR/supervisord.log)"
  echo "$want" > "$RUNDIR/supervisord.settings"
  with_settings "$VENV/bin/supervisord" -c "$SUPERVISOR_CONF" \
    || fail "supervisord did not start; see $LOGDIR/supervisord.log"
  wait_for 30 supervisord supervisor_answers || fail "supervisord does not answer; see $LOGDIR/supervisord.log"
  [ ${#running[@]} -eq 0 ] || ctl start "${running[@]/#harvest/harvest:*}" >>"$LOGDIR/supervisord.log" 2>&1 \
    || fail "after supervisord's restart, ${running[*]} did not start again; see $LOGDIR/supervisord.log"
}

stop_supervisor() {
  if pidfile_alive "$RUNDIR/supervisord.pid"; then
    say "Processes: stopping supervisord and what it runs"
    local pid; pid=$(cat "$RUNDIR/supervisord.pid")
    ctl shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    # The worker may take its stopwaitsecs (120 s) to finish the job in hand.
    wait_for 150 supervisord bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUNDIR/supervisord.pid"
  stop_unsupervised
}

# The portal's processes running without supervisord: left by a supervisord
# that was killed (its programs outlive it), or started by the scripts before
# supervisord ran them (their pidfiles). Other `ckan` commands on this portal
# (an operator's search-index rebuild) are left alone.
stop_unsupervised() {
  local pidfile name
  for pidfile in "$RUNDIR"/{ckan,worker,metrics,upkeep}.pid "$RUNDIR"/harvest-*.pid; do
    [ -e "$pidfile" ] || continue
    name=$(basename "$pidfile" .pid)
    stop_pidfile "$name (not supervised)" "$pidfile" "$([ "$name" = worker ] && echo group || true)"
  done
  stop_matching "-c $CKAN_INI nakano (worker|harvest consumer|harvest scheduler|metrics ingester|metrics worker|upkeep)( |\$)"
}

unsupervised_programs() {
  local prefix="-c $CKAN_INI nakano"
  pidfile_alive "$RUNDIR/ckan.pid" && echo ckan
  pgrep -f -- "$prefix worker( |\$)" >/dev/null && echo worker
  pgrep -f -- "$prefix harvest (consumer|scheduler)( |\$)" >/dev/null && echo harvest
  pgrep -f -- "$prefix metrics (ingester|worker)( |\$)" >/dev/null && echo metrics
  pgrep -f -- "$prefix upkeep( |\$)" >/dev/null && echo upkeep
  true
}

# start_program NAME LABEL LOG: (re)starts a program; supervisorctl returns once
# it has run for its startsecs, or says that it exited.
start_program() {
  start_supervisor
  local name; name=$(program "$1")
  ctl stop "$name" >/dev/null 2>&1 || true
  say "$2: starting"
  ctl start "$name" >>"$LOGDIR/supervisord.log" 2>&1 || fail "$2 did not start; see $3 and $LOGDIR/supervisord.log"
}

stop_program() {  # stop_program NAME LABEL
  if supervisor_answers; then
    local states; states=$(program_states "$1")
    grep -qv -e STOPPED -e EXITED -e FATAL <<<"$states" || return 0
    say "$2: stopping"
    ctl stop "$(program "$1")" >/dev/null 2>&1 || true
  else
    stop_unsupervised   # without supervisord, whatever of the portal's still runs is stopped
  fi
}

start_ckan() {
  [ -f "$CKAN_INI" ] || fail "CKAN: $CKAN_INI is missing (make up writes it)"
  local states; states=$(program_states ckan)
  # Refused before supervisord is started for nothing. Ours: supervised (maybe
  # being started again after a crash), or a gunicorn start_supervisor takes over.
  if [[ ! $states =~ RUNNING|STARTING|BACKOFF ]] && ! pidfile_alive "$RUNDIR/ckan.pid" && port_open "$CKAN_PORT"; then
    fail "CKAN: port $CKAN_PORT is taken by another program (ours logs to $LOGDIR/ckan.log). Stop it, or set NAKANO_CKAN_PORT."
  fi
  start_supervisor
  states=$(program_states ckan)
  if [ "$states" = RUNNING ]; then
    say "CKAN: reloading gunicorn on port $CKAN_PORT"
    ctl signal HUP ckan >/dev/null || fail "CKAN: gunicorn could not be reloaded; see $LOGDIR/ckan.log"
  elif [ "$states" = STARTING ] || [ "$states" = BACKOFF ]; then   # being started again after a crash
    start_program ckan "CKAN (gunicorn on $HOST:$CKAN_PORT)" "$LOGDIR/ckan.log"
  else
    rotate_log "$LOGDIR/ckan-access.log"   # gunicorn's own file; supervisord rotates ckan.log
    start_program ckan "CKAN (gunicorn on $HOST:$CKAN_PORT)" "$LOGDIR/ckan.log"
  fi
  wait_for 60 ckan ckan_answers || fail "CKAN does not answer on http://$HOST:$CKAN_PORT/api/3/action/status_show; see $LOGDIR/ckan.log"
}

stop_ckan() { stop_program ckan CKAN; }

nginx_answers() { curl -fsS -o /dev/null "http://$HOST:$NGINX_PORT/api/3/action/status_show" 2>/dev/null; }

start_nginx() {
  # The production front (docker/nginx/templates) in front of gunicorn, rendered
  # with docker/nginx/defaults.env as the official nginx image renders it.
  local dir=$LOCAL/nginx log=$LOGDIR/nginx-error.log
  command -v nginx >/dev/null || fail "nginx is not installed (make install)"
  stop_nginx
  port_open "$NGINX_PORT" && fail "nginx: port $NGINX_PORT is taken by another program. Stop it, or set NAKANO_NGINX_PORT."
  mkdir -p "$dir/conf.d" "$dir/cache" "$dir/tmp"
  (
    set -a; source "$ROOT/docker/nginx/defaults.env"; set +a
    NAKANO_LISTEN=$HOST:$NGINX_PORT NAKANO_CKAN_UPSTREAM=$HOST:$CKAN_PORT NAKANO_CACHE_DIR=$dir/cache \
      NAKANO_ACCESS_LOG=$LOGDIR/nginx-access.log \
      "$VENV/bin/python" "$ROOT/scripts/render-template.py" "$ROOT/docker/nginx/templates/default.conf.template" \
      > "$dir/conf.d/default.conf"
  ) || fail "nginx: could not render docker/nginx/templates/default.conf.template"
  {
    [ "$(id -u)" = 0 ] && echo "user root;"  # workers write the cache under .local
    cat <<CONF
worker_processes 1;
pid $RUNDIR/nginx.pid;
error_log $log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/conf.d/*.conf;
}
CONF
  } > "$dir/nginx.conf"
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" 2>>"$log" || fail "nginx: configuration test failed, see $log"
  say "nginx: starting on $HOST:$NGINX_PORT (in front of CKAN on $CKAN_PORT)"
  nginx -p "$dir" -c "$dir/nginx.conf" 2>>"$log" || fail "nginx did not start; see $log"
  wait_for 30 nginx nginx_answers || fail "nginx does not answer on http://$HOST:$NGINX_PORT; see $log"
}

stop_nginx() {
  pidfile_alive "$RUNDIR/nginx.pid" || { rm -f "$RUNDIR/nginx.pid"; return 0; }
  say "nginx: stopping"
  nginx -p "$LOCAL/nginx" -c "$LOCAL/nginx/nginx.conf" -s quit 2>/dev/null || kill "$(cat "$RUNDIR/nginx.pid")"
  wait_for 30 nginx bash -c "! [ -f '$RUNDIR/nginx.pid' ]" || true
  rm -f "$RUNDIR/nginx.pid"
}

# Restarted so that each runs the current code; RQ finishes the job in hand on
# TERM and queued jobs wait in Redis.
start_worker() { start_program worker "Worker (background jobs)" "$LOGDIR/worker.log"; }
stop_worker() { stop_program worker Worker; }

# stop_matching PATTERN: processes whose command line matches (pgrep -f).
stop_matching() {
  local left; left=$(pgrep -f -- "$1" | tr '\n' ' ' || true)
  [ -n "${left// }" ] || return 0
  say "Stopping processes of this portal no pidfile tracked: $left"
  kill -TERM $left 2>/dev/null || true
  wait_for 10 leftovers bash -c "! pgrep -f -- '$1' >/dev/null" || pkill -KILL -f -- "$1" || true
}

# After a full stop: a process that still runs `ckan -c <this portal's ini>` was
# not tracked (seen once: a job worker outlived a test portal).
stop_leftovers() { stop_matching "-c $CKAN_INI( |\$)"; }

# ckanext-harvest's gather and fetch consumers on Redis (through our loop, see
# ckanext/nakano/harvest/consumers.py), and the scheduler that starts due
# sources and closes finished or stuck jobs.
start_harvest() {
  start_program harvest "Harvest (gather, ${NAKANO_HARVEST_FETCHERS:-2} fetch, scheduler)" "$LOGDIR/harvest-*.log"
}
stop_harvest() { stop_program harvest Harvest; }

# Writes queued usage events into PostgreSQL and rolls them up every few minutes.
start_metrics() { start_program metrics "Metrics ingester" "$LOGDIR/metrics.log"; }
stop_metrics() { stop_program metrics Metrics; }

# Recovers work whose process died, checks the search index, queues the
# daily tasks (ckanext/nakano/background/upkeep.py).
start_upkeep() { start_program upkeep Upkeep "$LOGDIR/upkeep.log"; }
stop_upkeep() { stop_program upkeep Upkeep; }

harvest_status() {
  supervisor_answers || { echo down; return; }
  local lines up total
  lines=$(ctl status "harvest:*" 2>/dev/null || true)
  total=$(grep -c . <<<"$lines" || true); up=$(grep -c RUNNING <<<"$lines" || true)
  [ "$up" = "$total" ] && [ "$up" -gt 0 ] && echo "up  ($up processes)" || echo "down ($up of $total running)"
}

# Items the consumers set aside (ckanext/nakano/dead_letters.py): a number that
# grows needs a look (ckan nakano dead-letters, /ckan-admin/queues).
dead_letters_status() {
  redis_answers || { echo "unknown (Redis is down)"; return; }
  local queue count total=0 parts=()
  for queue in metrics harvest-gather harvest-fetch; do
    count=$(redis-cli -h "$HOST" -p "$REDIS_PORT" -n 0 llen "nakano:dead-letters:$queue" 2>/dev/null || echo "?")
    parts+=("$queue $count"); [ "$count" = "?" ] || total=$((total + count))
  done
  echo "$total  ($(IFS=,; echo "${parts[*]}" | sed 's/,/, /g'); ckan nakano dead-letters)"
}

status() {
  printf '%-11s %s\n' PostgreSQL "$(pg_accepts_role && echo "up  ($HOST:$PG_PORT)" || echo down)"
  printf '%-11s %s\n' Redis "$(redis_answers && echo "up  ($HOST:$REDIS_PORT)" || echo down)"
  printf '%-11s %s\n' Solr "$(solr_answers && echo "up  ($(solr_url))" || echo down)"
  printf '%-11s %s\n' CKAN "$(ckan_answers && echo "up  (http://$HOST:$CKAN_PORT)" || echo down)"
  printf '%-11s %s\n' nginx "$(nginx_answers && echo "up  (http://$HOST:$NGINX_PORT)" || echo down)"
  printf '%-11s %s\n' Worker "$(program_running worker && echo up || echo down)"
  printf '%-11s %s\n' Harvest "$(harvest_status)"
  printf '%-11s %s\n' Metrics "$(program_running metrics && echo up || echo down)"
  printf '%-11s %s\n' Upkeep "$(program_running upkeep && echo up || echo down)"
  printf '%-11s %s\n' "Set aside" "$(dead_letters_status)"
  printf '%-11s %s\n' Mail "$(mail_answers && echo "up  (smtp://$HOST:$MAIL_PORT, messages in $LOCAL/mail)" || echo down)"
  printf '%-11s %s\n' S3 "$(s3_answers && echo "up  (http://$HOST:$S3_PORT)" || echo "down (started when asked)")"
}

cmd=${1:-status}; shift || true
case $cmd in
  start)
    for s in "${@:-postgres redis solr}"; do for x in $s; do "start_$x"; done; done ;;
  stop)
    targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(nginx upkeep metrics harvest worker ckan supervisor mail s3 solr redis postgres)
    for x in "${targets[@]}"; do "stop_$x"; done
    [ $# -gt 0 ] || stop_leftovers ;;
  createdb) for db in "$@"; do create_database "$db"; done ;;
  dropdb) for db in "$@"; do drop_database "$db"; done ;;
  stockcore) [ $# = 1 ] || fail "usage: $0 stockcore CORE"; create_stock_core "$1" ;;
  dropcore) [ $# = 1 ] || fail "usage: $0 dropcore CORE"; drop_core "$1" ;;
  datastore) [ $# = 2 ] || fail "usage: $0 datastore MAIN_DB DATASTORE_DB"; create_datastore "$1" "$2" ;;
  status) status ;;
  ctl)  # supervisorctl on this portal's processes: ctl status, ctl restart worker, ctl tail -f upkeep …
    supervisor_answers || fail "supervisord is not running (make up starts it)"
    ctl "$@" ;;
  pid)  # pid NAME: the process id of a service (tests kill them as a crash would)
    [ $# = 1 ] || fail "usage: $0 pid NAME"
    case $1 in
      ckan|worker|metrics|upkeep|harvest-*)
        pid=$(ctl pid "$(program "$1")" 2>/dev/null || true)
        [[ $pid =~ ^[1-9][0-9]*$ ]] || fail "$1 is not running"
        echo "$pid" ;;
      *) pidfile_alive "$RUNDIR/$1.pid" || fail "$1 is not running"; cat "$RUNDIR/$1.pid" ;;
    esac ;;
  *) fail "usage: $0 start|stop|status|pid|ctl|createdb|dropdb|datastore|stockcore|dropcore [service ...]" ;;
esac
