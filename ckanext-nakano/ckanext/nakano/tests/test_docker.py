"""docker/ must stay consistent with what runs locally (no Docker engine here)."""
from __future__ import annotations

import re
from pathlib import Path

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
