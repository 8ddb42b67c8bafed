"""The stock CKAN aggregator (``aggregator``), for every test of how the portal
looks to the sites that harvest it (issue 17 and later)."""
from __future__ import annotations

from pathlib import Path

import pytest

from .stock import ROOT, StockAggregator

ARTIFACTS = ROOT / ".local" / "test-artifacts" / "aggregator"


@pytest.fixture(scope="session")
def aggregator(portal):
    """A stock CKAN 2.12 (``harvest ckan_harvester dcat dcat_rdf_harvester``
    only) on the ``portal``'s services, with two harvest sources on it:
    ``aggregator.sources["ckan"]`` (its Action API) and
    ``aggregator.sources["dcat_rdf"]`` (its ``/catalog.ttl``). Nothing is
    harvested yet: ``aggregator.harvest("ckan")`` runs a whole job and returns
    its report; ``aggregator.datasets("ckan")`` what that source brought.
    Removed at the end of the session; its logs are kept in
    ``.local/test-artifacts/aggregator/log``."""
    agg = StockAggregator(portal)
    try:
        agg.setup()
        yield agg
    finally:
        agg.teardown(keep_logs=ARTIFACTS / "log")


@pytest.fixture(scope="session")
def aggregator_artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
