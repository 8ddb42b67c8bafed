"""``ckan nakano upkeep``: the periodic pass that keeps the portal true to
itself, one process for the whole site.

Every ``ckanext.nakano.upkeep.interval`` seconds it recovers work whose
process died (recovery.py), runs the periodic tasks that are due, and once a
(ward) day queues the daily tasks as one background job. The tasks are
registered by the features (tasks.py); this module knows none of them.
"""
from __future__ import annotations

import datetime
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import ckan.plugins.toolkit as tk
from ckan.lib.helpers import get_display_timezone
from ckan.lib.redis import connect_to_redis

from . import recovery
from .loop import run_forever
from .queues import LOW

__all__ = ["every", "daily", "upkeep_pass", "run", "run_daily_tasks", "queue_daily_tasks",
           "periodic_tasks", "daily_tasks"]

log = logging.getLogger(__name__)
# The key the metrics worker used before upkeep queued the daily tasks: kept,
# so that the day of an upgrade is not queued twice.
DAILY_KEY = "nakano:metrics:daily-tasks:{day}"


@dataclass
class _Periodic:
    interval: Callable[[], int]   # seconds; 0 turns the task off
    func: Callable[[], Any]
    last: float


_PERIODIC: dict[str, _Periodic] = {}
_DAILY: dict[str, Callable[[], Any]] = {}


def every(name: str, config_key: str, func: Callable[[], Any]) -> None:
    """Run ``func()`` every ``tk.config[config_key]`` seconds in the upkeep
    process; the first run comes one interval after the process starts (make
    up and restores do the work themselves)."""
    _PERIODIC[name] = _Periodic(lambda: int(tk.config[config_key]), func, time.monotonic())


def daily(name: str, func: Callable[[], Any]) -> None:
    """Run ``func()`` once a day, in the order of registration, in the daily job."""
    _DAILY[name] = func


def periodic_tasks() -> list[str]:
    return list(_PERIODIC)


def daily_tasks() -> list[str]:
    return list(_DAILY)


def run_daily_tasks() -> dict[str, Any]:
    """The daily job (run by the job worker): each daily task in order, its result by name."""
    return {name: func() for name, func in _DAILY.items()}


def queue_daily_tasks(day: str) -> bool:
    """Once per day across all processes: a Redis key marks the day as done."""
    if not connect_to_redis().set(DAILY_KEY.format(day=day), "1", nx=True, ex=3 * 24 * 3600):
        return False
    tk.enqueue_job(run_daily_tasks, title="nakano daily tasks", queue=LOW, rq_kwargs={"timeout": 6 * 3600})
    return True


def upkeep_pass(force: tuple[str, ...] = ()) -> dict[str, Any]:
    """Recover, run the periodic tasks that are due (and those named in
    ``force``), queue the daily tasks if not done today."""
    done: dict[str, Any] = {"recovered": recovery.recover(), "ran": {}}
    for name, task in _PERIODIC.items():
        interval = task.interval()
        if name in force or (interval and time.monotonic() - task.last >= interval):
            task.last = time.monotonic()
            done["ran"][name] = task.func()
    done["daily_tasks_queued"] = queue_daily_tasks(_ward_today())
    return done


def _ward_today() -> str:
    # The ward's day (ckan.display_timezone, Asia/Tokyo), as the usage figures count it.
    return datetime.datetime.now(get_display_timezone()).date().isoformat()


def _said(done: dict[str, Any]) -> str | None:
    """One log line when the pass did something."""
    parts = [f"{name}: {', '.join(f'{k} {len(v)}' for k, v in ids.items())}"
             for name, ids in done["recovered"].items() if any(ids.values())]
    parts += [f"{name}: {result}" for name, result in done["ran"].items()]
    if done["daily_tasks_queued"]:
        parts.append("daily tasks queued")
    return "; ".join(parts) or None


def run(once: bool = False, force: tuple[str, ...] = (), echo: Callable[[str], Any] = log.info) -> None:
    """Until SIGTERM/SIGINT; ``once``: one pass."""
    def step(stop: threading.Event) -> float:
        said = _said(upkeep_pass(force if once else ()))
        if said:
            echo(said)
        return tk.config["ckanext.nakano.upkeep.interval"]

    run_forever("upkeep", step, once=once)
