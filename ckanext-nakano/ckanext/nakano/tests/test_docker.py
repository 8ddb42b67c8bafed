"""docker/ must stay consistent with what runs locally (no Docker engine here)."""
from __future__ import annotations

import json
import re
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


def test_solr_image_matches_maven_build_and_conf():
    pom = (ROOT / "solr" / "pom.xml").read_text(encoding="utf-8")
    version = re.search(r"<solr.version>([^<]+)</solr.version>", pom).group(1)
    dockerfile = (ROOT / "docker" / "solr" / "Dockerfile").read_text(encoding="utf-8")
    assert f"FROM solr:{version}" in dockerfile
    assert "COPY --chown=solr:solr solr/conf " in dockerfile


def test_compose_has_every_service_and_no_public_ports():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"ckan", "worker", "db", "solr", "redis"} <= set(services)
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert "status_show" in " ".join(services["ckan"]["healthcheck"]["test"])


def test_processes_of_make_up_run_in_docker_too():
    """Every long-running `ckan nakano …` process services.sh starts has its compose service."""
    compose = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text(encoding="utf-8"))
    commands = set()
    for service in compose["services"].values():
        command = service.get("command", [])
        if "ckan" in command:  # after "ckan -c <ini>" (a wrapper script may come first)
            commands.add(" ".join(command[command.index("ckan") + 3:]))
    local = (ROOT / "scripts" / "services.sh").read_text(encoding="utf-8")
    for command in ("nakano harvest consumer gather", "nakano harvest consumer fetch", "nakano harvest scheduler",
                    "nakano metrics worker", "jobs worker default nakano_low"):
        assert command in commands, command
        assert command.split()[-1] in local
    assert "jobs worker default nakano_low" in local   # the same queues, in the same order


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
    local = (ROOT / "scripts" / "up.sh").read_text(encoding="utf-8")
    assert "ckan.datastore.read_url" in local and "ckanext.xloader.jobs_db.uri" in local
    xloader = (ROOT / "docker" / "ckan" / "xloader-settings.sh").read_text(encoding="utf-8")
    assert "ckanext.xloader.api_token" in xloader and "ckanext.xloader.jobs_db.uri" in xloader
