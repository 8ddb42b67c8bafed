"""docker/ must stay consistent with what runs locally (no Docker engine here)."""
from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]


def _pin(name: str) -> str:
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    return re.search(rf"^{re.escape(name)}==(\S+)$", text, re.M).group(1)


def test_ckan_image_matches_pinned_ckan():
    dockerfile = (ROOT / "docker" / "ckan" / "Dockerfile").read_text(encoding="utf-8")
    assert f"FROM ckan/ckan-base:{_pin('ckan[requirements]')}" in dockerfile
    # Extensions come from the same pins, the portal settings from the same file.
    assert "COPY requirements.txt" in dockerfile
    entry = (ROOT / "docker" / "ckan" / "docker-entrypoint.d" / "10-nakano.sh").read_text()
    assert "config-tool \"$CKAN_INI\" -f /srv/app/nakano/config/portal.ini" in dockerfile  # every container
    assert "db upgrade" in entry and "datastore set-permissions" in entry
    # compose.yml and .env set CKAN___* variables: only ckanext-envvars (in the base
    # image) reads them, and only when it is the last plugin.
    assert re.search(r'"ckan\.plugins = \$\(sed -n .s/\^ckan\\\.plugins = //p. '
                     r'/srv/app/nakano/config/portal\.ini\) envvars"', dockerfile), dockerfile
    listed = subprocess.run(["sed", "-n", r"s/^ckan\.plugins = //p", str(ROOT / "config" / "portal.ini")],
                            capture_output=True, text=True).stdout.split()
    assert "nakano" in listed and "xloader" in listed   # the sed of the Dockerfile finds the list
    uses = (ROOT / "docker" / "compose.yml").read_text() + (ROOT / "docker" / ".env.example").read_text()
    assert "CKAN___" in uses


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker" / "compose.yml").read_text(encoding="utf-8"))


def test_solr_is_ckans_official_image_with_our_conf():
    """CKAN's Solr 9 image for the pinned CKAN minor version, with solr/conf (what the
    local Solr from Maven runs) mounted as its configset: one source of truth."""
    solr = _compose()["services"]["solr"]
    minor = ".".join(_pin("ckan[requirements]").split(".")[:2])
    assert solr["image"] == f"ckan/ckan-solr:{minor}-solr9"
    assert "../solr/conf:/opt/solr/server/solr/configsets/ckan/conf:ro" in solr["volumes"]
    pom = (ROOT / "solr" / "pom.xml").read_text(encoding="utf-8")
    assert re.search(r"<solr.version>9\.", pom)
    # Lucene 9.12 runs both the image's Solr 9.8 and the local Solr 9.10.
    config = (ROOT / "solr" / "conf" / "solrconfig.xml").read_text(encoding="utf-8")
    assert "<luceneMatchVersion>9.12</luceneMatchVersion>" in config


def test_compose_file_is_valid(tmp_path):
    """Debian's docker-compose validates and resolves the file without an engine; every
    variable it uses is in .env.example (an unset one is a warning, failed here)."""
    if not shutil.which("docker-compose"):
        pytest.fail("docker-compose is not installed: run make install (Debian package docker-compose)")
    copy = tmp_path / "docker"
    shutil.copytree(ROOT / "docker", copy)
    shutil.copy(copy / ".env.example", copy / ".env")
    done = subprocess.run(["docker-compose", "-f", str(copy / "compose.yml"), "--env-file", str(copy / ".env"),
                           "config"], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "is not set" not in done.stderr, done.stderr
    resolved = yaml.safe_load(done.stdout)
    assert resolved["services"]["nginx"]["networks"]["portal"]["ipv4_address"] == "172.28.0.10"
    env = resolved["services"]["ckan"]["environment"]
    assert env["CKAN___CKANEXT__NAKANO__METRICS__TRUSTED_PROXIES"] == "172.28.0.10"
    # A broken file is refused: the check can fail.
    (copy / "compose.yml").write_text((copy / "compose.yml").read_text() + "\nunknown_top_level: 1\n")
    broken = subprocess.run(["docker-compose", "-f", str(copy / "compose.yml"), "config", "-q"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert broken.returncode != 0


def test_compose_has_every_service_and_only_nginx_is_published():
    services = _compose()["services"]
    assert {"ckan", "worker", "harvest-gather", "harvest-fetch", "harvest-scheduler", "metrics", "nginx", "db",
            "solr", "redis"} <= set(services)
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"nginx"}
    for name, service in services.items():
        if name in ("ckan", "nginx", "db", "solr", "redis"):
            assert service.get("healthcheck"), f"{name} has no health check"
    assert "status_show" in " ".join(services["ckan"]["healthcheck"]["test"])
    assert {name for name, service in services.items() if service.get("restart") != "unless-stopped"} == set()


def test_nginx_front_is_the_one_make_up_runs():
    """One template, rendered by the nginx image in docker and by scripts/services.sh
    locally, with the same defaults; the upload limit follows CKAN's."""
    nginx = _compose()["services"]["nginx"]
    assert "./nginx/templates:/etc/nginx/templates:ro" in nginx["volumes"]
    assert nginx["env_file"] == "nginx/defaults.env"
    # Debian's nginx runs the tests: the image is of the same minor version.
    version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    assert nginx["image"] == "nginx:" + re.search(r"nginx/(\d+\.\d+)", version).group(1)
    local = (ROOT / "scripts" / "services.sh").read_text(encoding="utf-8")
    assert "docker/nginx/templates/default.conf.template" in local and "docker/nginx/defaults.env" in local
    assert "start ckan nginx" in (ROOT / "scripts" / "up.sh").read_text(encoding="utf-8")
    defaults = dict(line.split("=", 1) for line in (ROOT / "docker" / "nginx" / "defaults.env")
                    .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))
    portal = (ROOT / "config" / "portal.ini").read_text(encoding="utf-8")
    max_mb = int(re.search(r"^ckan\.max_resource_size = (\d+)$", portal, re.M).group(1))
    assert defaults["NAKANO_MAX_BODY_SIZE"] == f"{max_mb + 1}m"


def _supervised() -> dict[str, configparser.SectionProxy]:
    """The programs of config/supervisord.conf by the compose service name they match
    (a program of group harvest, ``fetch``, is the service ``harvest-fetch``)."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "config" / "supervisord.conf", encoding="utf-8")
    group_of = {program: section.split(":", 1)[1] for section in parser.sections() if section.startswith("group:")
                for program in parser[section]["programs"].split(",")}
    programs = {}
    for section in parser.sections():
        if section.startswith("program:"):
            name = section.split(":", 1)[1]
            programs[f"{group_of[name]}-{name}" if name in group_of else name] = parser[section]
    return programs


def _ckan_command(words: list[str]) -> str:
    """What follows ``ckan -c <ini>`` (a wrapper script may come first)."""
    return " ".join(words[words.index("ckan") + 3:]) if "ckan" in words else ""


def test_processes_of_make_up_run_in_docker_too():
    """Every long-running `ckan nakano …` process of make up (config/supervisord.conf) has
    its compose service, under the same name, with the same arguments, restarted when it ends."""
    compose = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text(encoding="utf-8"))
    commands = {name: _ckan_command(service.get("command", [])) for name, service in compose["services"].items()}
    supervised = _supervised()
    local = {name: _ckan_command([w.rsplit("/", 1)[-1] for w in shlex.split(program["command"])])
             for name, program in supervised.items()}
    for command in ("nakano harvest consumer gather", "nakano harvest consumer fetch", "nakano harvest scheduler",
                    "nakano metrics ingester", "nakano upkeep", "nakano worker default nakano_low"):
        assert command in commands.values(), command
        assert command in local.values(), command
    # The same processes both ways: the web application (gunicorn here, the image's
    # server there) and every `ckan nakano …` one.
    assert set(supervised) == {name for name, command in commands.items() if command} | {"ckan"}
    for name, command in local.items():
        if name != "ckan":
            assert commands[name] == command, name
        assert supervised[name]["autorestart"] == "true", name
        assert compose["services"][name]["restart"] == "unless-stopped", name
    # As many fetch consumers by default.
    services = (ROOT / "scripts" / "services.sh").read_text(encoding="utf-8")
    fetchers = re.search(r"HARVEST_FETCHERS=\$\{NAKANO_HARVEST_FETCHERS:-(\d+)\}", services).group(1)
    assert compose["services"]["harvest-fetch"]["deploy"]["replicas"] == int(fetchers)
    assert supervised["harvest-fetch"]["numprocs"] == "%(ENV_HARVEST_FETCHERS)s"


@pytest.mark.parametrize("package, files", [
    ("chart.js", ["chart.umd.min.js", "chart.js.LICENSE.md"]),
    ("leaflet", ["leaflet.js", "leaflet.css", "leaflet.LICENSE"]),
])
def test_front_end_libraries_come_from_the_same_npm_lock(package, files):
    """Each bundled library is copied from node_modules locally and in the image, at the pinned version."""
    dockerfile = (ROOT / "docker" / "ckan" / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY package.json package-lock.json" in dockerfile and "npm ci" in dockerfile
    install = (ROOT / "scripts" / "install.sh").read_text(encoding="utf-8")
    assert "npm ci" in install
    for name in files:
        assert name in install and name in dockerfile, name
    assert f"node_modules/{package}/" in install and f"node_modules/{package}/" in dockerfile
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"][package]
    assert lock["packages"][f"node_modules/{package}"]["version"] == pinned
    # The bundles name the copied files (assets/vendor is not in git).
    bundles = yaml.safe_load((ROOT / "ckanext-nakano" / "ckanext" / "nakano" / "assets" / "webassets.yaml")
                             .read_text(encoding="utf-8"))
    contents = {c for bundle in bundles.values() for c in bundle["contents"]}
    assert {f"vendor/{name}" for name in files if not name.endswith(("LICENSE", ".md"))} <= contents


def test_datastore_is_set_up_as_make_up_does():
    """Own database, read-only role, CKAN's permission SQL; every CKAN container gets both URLs."""
    compose = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        if service.get("build", {}).get("dockerfile") == "docker/ckan/Dockerfile":
            env = service["environment"]
            assert "@db/${DATASTORE_DB}" in env["CKAN_DATASTORE_WRITE_URL"], name
            assert env["CKAN_DATASTORE_READ_URL"].startswith("postgresql://${DATASTORE_READONLY_USER}:"), name
    db = compose["services"]["db"]
    assert "./postgres/initdb.d:/docker-entrypoint-initdb.d:ro" in db["volumes"]
    init = (ROOT / "docker" / "postgres" / "initdb.d" / "10-datastore.sh").read_text(encoding="utf-8")
    assert "CREATE ROLE" in init and "CREATE DATABASE" in init
    example = (ROOT / "docker" / ".env.example").read_text(encoding="utf-8")
    for variable in ("DATASTORE_DB", "DATASTORE_READONLY_USER", "DATASTORE_READONLY_PASSWORD"):
        assert re.search(rf"^{variable}=", example, re.M), variable
    local = (ROOT / "scripts" / "lib.sh").read_text(encoding="utf-8")   # write_ckan_ini, as make up runs it
    assert "ckan.datastore.read_url" in local and "ckanext.xloader.jobs_db.uri" in local
    xloader = (ROOT / "docker" / "ckan" / "xloader-settings.sh").read_text(encoding="utf-8")
    assert "ckanext.xloader.api_token" in xloader and "ckanext.xloader.jobs_db.uri" in xloader


def test_bundles_are_built_wherever_pages_skip_source_checks():
    """config/portal.ini turns webassets' per-page source checks off: every place that
    starts a web server from it builds the bundles first."""
    portal = (ROOT / "config" / "portal.ini").read_text(encoding="utf-8")
    assert re.search(r"^ckanext\.nakano\.webassets\.check_sources = false$", portal, re.M)
    for script in ("scripts/up.sh", "scripts/restore.sh", "docker/ckan/docker-entrypoint.d/10-nakano.sh"):
        text = (ROOT / script).read_text(encoding="utf-8")
        assert "asset build" in text, script
        assert text.index("asset build") < (text.index("start ckan") if "start ckan" in text else len(text)), script


def test_redis_keeps_jobs_and_events_as_locally():
    """Redis holds the job queues and undrained metric events: both setups write its
    append-only file every second to a kept folder, with the same options."""
    redis = _compose()["services"]["redis"]
    local = (ROOT / "scripts" / "services.sh").read_text(encoding="utf-8")
    options = re.search(r"redis-server .*?\\\n.*?\\\n\s*(--save .*?) >>", local).group(1).split()
    assert redis["command"] == ["redis-server", *options]
    assert "--appendonly" in options and options[options.index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
