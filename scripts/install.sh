#!/usr/bin/env bash
# Installs everything the portal needs on a fresh machine; quick when already done.
#   system packages (apt), the Python virtualenv, front-end libraries (npm),
#   the Solr launcher (Maven).
source "$(dirname "$0")/lib.sh"

# --- system packages -------------------------------------------------------
APT_PACKAGES=(postgresql redis-server libpq-dev curl apache2-utils wrk chromium fonts-noto-cjk nginx docker-compose)
command -v java >/dev/null || APT_PACKAGES+=(openjdk-17-jdk-headless)
command -v mvn  >/dev/null || APT_PACKAGES+=(maven)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing system packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  say "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >>"$(step_log apt.log)" 2>&1 || fail "apt-get update failed, see $LOGDIR/apt.log"
  # policy-rc.d: the Debian packages must not start their own servers; the
  # portal starts its own, on its own data directories.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$LOGDIR/apt.log" 2>&1 \
    || { rm -f /usr/sbin/policy-rc.d; fail "apt-get install failed, see $LOGDIR/apt.log"; }
  rm -f /usr/sbin/policy-rc.d
fi
[ -x "$PG_BIN/initdb" ] || fail "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"

# --- Python ----------------------------------------------------------------
PYTHON=${NAKANO_PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || fail "$PYTHON not found: the portal needs Python 3.11"
if [ ! -x "$VENV/bin/python" ]; then
  say "Creating virtualenv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
req_hash=$(cat "$ROOT"/requirements*.txt "$ROOT/setup.py" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$VENV/.nakano-installed" 2>/dev/null)" != "$req_hash" ]; then
  say "Installing Python packages (log: $LOGDIR/pip.log)"
  {
    "$VENV/bin/pip" install --upgrade pip &&
    "$VENV/bin/pip" install -r "$ROOT/requirements-dev.txt" &&
    "$VENV/bin/pip" install --no-deps -e "$ROOT" &&
    "$VENV/bin/pip" check
  } >>"$(step_log pip.log)" 2>&1 || fail "pip install failed, see $LOGDIR/pip.log"
  echo "$req_hash" > "$VENV/.nakano-installed"
fi

# --- front-end libraries (npm, bundled as CKAN assets; no CDN) ---------------
command -v npm >/dev/null || fail "npm not found: the portal's chart, map and API reference libraries are installed with npm"
VENDOR=$ROOT/ckanext-nakano/ckanext/nakano/assets/vendor
lock_hash=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$VENDOR/.installed" 2>/dev/null)" != "$lock_hash" ]; then
  say "Installing front-end libraries from npm (log: $LOGDIR/npm.log)"
  (cd "$ROOT" && npm ci --ignore-scripts --no-audit --no-fund) >>"$(step_log npm.log)" 2>&1 \
    || fail "npm ci failed, see $LOGDIR/npm.log"
  mkdir -p "$VENDOR"
  cp "$ROOT/node_modules/chart.js/dist/chart.umd.min.js" "$VENDOR/"
  cp "$ROOT/node_modules/chart.js/LICENSE.md" "$VENDOR/chart.js.LICENSE.md"
  cp "$ROOT/node_modules/leaflet/dist/leaflet.js" "$ROOT/node_modules/leaflet/dist/leaflet.css" "$VENDOR/"
  cp "$ROOT/node_modules/leaflet/LICENSE" "$VENDOR/leaflet.LICENSE"
  # Swagger UI for /api/docs; its stylesheet without the source-map comment (no map is served).
  cp "$ROOT/node_modules/swagger-ui-dist/swagger-ui-bundle.js" "$VENDOR/"
  sed '/sourceMappingURL/d' "$ROOT/node_modules/swagger-ui-dist/swagger-ui.css" > "$VENDOR/swagger-ui.css"
  cp "$ROOT/node_modules/swagger-ui-dist/LICENSE" "$VENDOR/swagger-ui.LICENSE"
  echo "$lock_hash" > "$VENDOR/.installed"
fi

# --- S3Proxy (S3-compatible object storage for uploads; see s3/README.md) --
if [ ! -f "$S3PROXY_JAR" ]; then
  say "Fetching S3Proxy $S3PROXY_VERSION from Maven Central (log: $LOGDIR/maven-s3.log)"
  mvn -B -q dependency:copy -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies" \
    -DoutputDirectory="$ROOT/s3/target" -Dmdep.stripClassifier=true >>"$(step_log maven-s3.log)" 2>&1 \
    || fail "S3Proxy download failed, see $LOGDIR/maven-s3.log"
fi

# --- Solr ------------------------------------------------------------------
jar=$ROOT/solr/target/nakano-solr.jar
if [ ! -f "$jar" ] || [ -n "$(find "$ROOT/solr/pom.xml" "$ROOT/solr/src" -newer "$jar" -type f | head -n 1)" ]; then
  say "Building Solr from Maven Central artifacts (log: $LOGDIR/maven.log)"
  (cd "$ROOT/solr" && mvn -B -q package -DskipTests) >>"$(step_log maven.log)" 2>&1 \
    || fail "Solr build failed, see $LOGDIR/maven.log"
fi
