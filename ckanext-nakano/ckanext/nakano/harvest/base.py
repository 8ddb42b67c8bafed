"""What the ward's own harvesters (folder, departmental system) share.

ckanext-harvest calls ``gather_stage`` (list what the source holds),
``fetch_stage`` (get one file, decide whether it changed, validate it) and
``import_stage`` (publish it). A failure is recorded on the harvest object
in Japanese and English and leaves the last good version published.
"""
from __future__ import annotations

import datetime
import json
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

import ckan.plugins.toolkit as tk
from ckan import model
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..model import HarvestFile
from .. import messages

log = logging.getLogger(__name__)


class TimeLimit(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (a blocked read included).

    Signals only reach the main thread: the harvest consumers and the CLI run
    there; elsewhere the download deadline still applies.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise TimeLimit(seconds)

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def source_config(source: Any) -> dict[str, Any]:
    try:
        return json.loads(source.config or "{}")
    except ValueError:
        return {}


def allowed_hosts(source: Any) -> set[str]:
    """Hosts allowed although non-public: the portal's list, plus this source's own
    host when its declaration says ``allow_private: true``."""
    hosts = set(tk.config["ckanext.nakano.fetch.allowed_hosts"])
    if source_config(source).get("nakano_allow_private") and urlparse(source.url).hostname:
        hosts.add(urlparse(source.url).hostname)
    return hosts


def object_seconds() -> int:
    return tk.config["ckanext.nakano.harvest.object_timeout"]


class WardHarvester(HarvesterBase):
    """Base of the folder and departmental-system harvesters."""

    def validate_config(self, config: str | None) -> str | None:
        if config:
            try:
                json.loads(config)
            except ValueError as exc:
                raise ValueError(f"config is not JSON / 設定がJSONではありません: {exc}") from exc
        return config

    # Errors -----------------------------------------------------------------
    def _object_error(self, obj: HarvestObject, stage: str, code: str, **values: Any) -> bool:
        self._save_object_error(messages.stored(code, **values), obj, stage)
        return False

    def _gather_error(self, job: HarvestJob, code: str, **values: Any) -> None:
        self._save_gather_error(messages.stored(code, **values), job)

    # The files a source held last time ---------------------------------------
    def _objects_for(self, job: HarvestJob, entries: list[dict[str, Any]],
                     unchanged: set[str] | None = None) -> list[str]:
        """Harvest objects for this run; entries already known to be unchanged are
        completed here, without a trip through the fetch queue."""
        unchanged = unchanged or set()
        now = datetime.datetime.utcnow()
        to_fetch: list[HarvestObject] = []
        for entry in entries:
            obj = HarvestObject(guid=entry["guid"], job=job, content=json.dumps(entry, ensure_ascii=False))
            if entry["guid"] in unchanged:
                obj.state, obj.report_status = "COMPLETE", "not modified"
                obj.fetch_started = obj.fetch_finished = obj.import_finished = now
            else:
                to_fetch.append(obj)
            model.Session.add(obj)
        self._flag_missing(job, {e["guid"] for e in entries}, now)
        model.Session.commit()
        return [obj.id for obj in to_fetch]

    def _flag_missing(self, job: HarvestJob, present: set[str], now: datetime.datetime) -> None:
        """Files gone from the source are flagged, never deleted: a person decides."""
        for item in HarvestFile.of_source(job.source.id):
            if item.guid in present and item.state != "present":
                item.state, item.missing_since = "present", None
            elif item.guid not in present and item.state != "missing" and item.package_id:
                item.state, item.missing_since = "missing", now
