"""``ckan nakano metrics ingester``: writes the queued usage events to
PostgreSQL continuously and rolls up today and yesterday every few minutes
(the daily tasks are queued by the upkeep pass, background/upkeep.py)."""
from __future__ import annotations

import logging
import threading
import time

import ckan.plugins.toolkit as tk

from ..background.loop import run_forever
from . import ingest, rollup

__all__ = ["run"]

log = logging.getLogger(__name__)
BATCH = 5000
WAIT_SECONDS = 1.0


def run() -> None:
    """Until SIGTERM/SIGINT (the batch in hand is finished first)."""
    interval = tk.config["ckanext.nakano.metrics.rollup_interval"]
    last_rollup = 0.0

    def step(stop: threading.Event) -> float:
        nonlocal last_rollup
        taken = 0
        try:
            with ingest.ingest_lock(wait=5):
                taken = ingest.drain(BATCH)
                if time.monotonic() - last_rollup > interval:
                    taken += ingest.drain_spool()
                    rollup.rollup()
                    last_rollup = time.monotonic()
        except ingest.Busy:
            log.info("metrics: another ingester holds the lock; waiting")
        # A full batch means more are waiting; otherwise gather for a second:
        # small batches cost the web processes CPU for nothing.
        return 0 if taken >= BATCH else WAIT_SECONDS

    run_forever("metrics ingester", step)
