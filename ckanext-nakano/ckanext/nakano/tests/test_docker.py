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
    assert "config/portal.ini" in entry and "db upgrade" in entry


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
    commands = {" ".join(s.get("command", [])[3:]) for s in compose["services"].values()}
    local = (ROOT / "scripts" / "services.sh").read_text(encoding="utf-8")
    for command in ("nakano harvest consumer gather", "nakano harvest consumer fetch", "nakano harvest scheduler",
                    "nakano metrics worker", "jobs worker"):
        assert command in commands, command
        assert command.split()[-1] in local


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
