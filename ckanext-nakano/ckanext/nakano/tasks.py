"""The portal's background work, declared in one place: what each feature
hands to the job worker and the upkeep process (background/), what happens
to its work when the process doing it dies, and what a confirmed e-mail link
does. A new background task is
added here (docs/architecture.md, "Processes").

Called once the plugins are configured, in every process (web, workers,
commands), so that each has the same registrations.
"""
from __future__ import annotations

from . import index_check, search, xloader_internals
from .background import recovery, upkeep
from .data_requests import opendata as requests_opendata
from .harvest import schedule as harvest_schedule
from .inventory import links as inventory_links
from .inventory import opendata as inventory_opendata
from .logic.action import data_request as request_actions
from .logic.action import reuse as reuse_actions
from .metrics import linkcheck, quality, rollup, usage_dataset
from .submissions import confirm
from .validation import jobs as validation_jobs

__all__ = ["register"]


def register() -> None:
    # Abandoned work (background/recovery.py).
    recovery.on_abandoned_job("validation", give_up=validation_jobs.interrupted)
    recovery.on_abandoned_job(xloader_internals.XLOADER_JOB, give_up=xloader_internals.load_failed,
                              run_afresh=xloader_internals.load_afresh)
    recovery.sweep("harvest objects", harvest_schedule.requeue_abandoned_objects)

    # A visitor's confirmed e-mail address moves what they sent into review.
    confirm.on_confirmed("reuse", reuse_actions.confirmed)
    confirm.on_confirmed("request", request_actions.confirmed)

    # Periodic, in the upkeep process.
    upkeep.every("search index", "ckanext.nakano.search_index.verify_interval", index_check.repair)

    # Daily, in this order, as one background job.
    # (Results are kept short: RQ stores the job's result.)
    upkeep.daily("links", linkcheck.check_all)
    upkeep.daily("scored", quality.refresh_all)
    upkeep.daily("rolled up", lambda: [str(day) for day in sorted(rollup.rollup()["days"])])
    upkeep.daily("published", lambda: usage_dataset.publish()["name"])
    # The register: items put right after changes made outside the actions, then published.
    upkeep.daily("inventory synced", inventory_links.sync)
    upkeep.daily("inventory published", lambda: inventory_opendata.publish()["name"])
    upkeep.daily("data requests published", lambda: requests_opendata.publish()["name"])
    upkeep.daily("reindexed", search.reindex_viewed)
