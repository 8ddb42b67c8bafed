"""``ckan nakano search-index rebuild``: the whole search index again, in processes side
by side, each sending Solr its documents in batches (docs/scaling.md "Reindexing").

CKAN 2.12 has ``search-index rebuild`` (one process, one Solr update per dataset) and
``rebuild-fast`` (one process per CPU, forked from the loaded command). Measured on the
portal at 1,000 and 10,000 datasets (bench/scale/catalog.py): ``rebuild`` 49–58
datasets/s, about half an hour for 100,000; ``rebuild-fast`` reindexed exactly half the
catalog and exited 0 (once it ended after 4 seconds, once a process hung) — its forked
processes share the parent's open database and Solr connections, and their exit codes are
not looked at. So this command:

- starts its processes fresh (``spawn``), each loading the portal's configuration and its
  own connections;
- builds every document with CKAN's own indexer (``index_update_package``: the same
  documents as ``rebuild``, our ``before_dataset_index`` included) but sends them to Solr
  ``BATCH`` at a time — one update per document is what makes CKAN's reindex slow
  (ckan/ckan#3482);
- never clears the index first: the documents there answer searches until replaced;
- ends with ``index_check.verify(fix=True)``: orphans removed, and a dataset changed while
  it ran indexed again;
- fails (exit 1) when a process fails or a document is refused, naming the datasets.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import queue
from dataclasses import dataclass, field
from typing import Any, Callable

import pysolr

import ckan.plugins.toolkit as tk
from ckan import logic, model
from ckan.lib.search import common as search_common
from ckan.lib.search import commit, index as search_index

from . import index_check

log = logging.getLogger(__name__)

BATCH = 200
PER_PROCESS = 500


@dataclass
class Outcome:
    indexed: int = 0
    refused: list[str] = field(default_factory=list)     # dataset ids Solr or the indexer refused
    failed_processes: int = 0
    verify: dict[str, Any] = field(default_factory=dict)


class _Batched:
    """Stands for the Solr connection CKAN's indexer asks for: keeps the documents it is
    given and sends them ``BATCH`` at a time, without a commit (the rebuild commits once)."""

    def __init__(self, solr: pysolr.Solr) -> None:
        self.solr = solr
        self.docs: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.sent = 0

    def add(self, docs: list[dict[str, Any]], commit: bool = False, **_kwargs: Any) -> None:
        self.docs.extend(docs)
        if len(self.docs) >= BATCH:
            self.flush()

    def flush(self) -> None:
        docs, self.docs = self.docs, []
        if not docs:
            return
        try:
            self.solr.add(docs, commit=False)
            self.sent += len(docs)
            return
        except pysolr.SolrError as error:   # one document refused fails its batch: find which
            log.warning("a batch of %d was refused (%s): sending them one by one", len(docs), str(error)[:200])
        for doc in docs:
            try:
                self.solr.add([doc], commit=False)
                self.sent += 1
            except pysolr.SolrError as error:
                log.error("dataset %s not indexed: %s", doc.get("id"), str(error)[:300])
                self.refused.append(doc.get("id", "?"))


def _index(ids: list[str]) -> dict[str, Any]:
    """Index ``ids`` through CKAN's indexer, the documents sent in batches."""
    refused: list[str] = []
    batched = _Batched(search_common.make_connection())
    # CKAN's indexer asks for a new connection for each document; it gets the batch.
    original = search_index.make_connection
    search_index.make_connection = lambda *args, **kwargs: batched
    try:
        for package_id in ids:
            try:
                logic.index_update_package({"ignore_auth": True}, package_id, True)
            except Exception as error:   # noqa: BLE001 — any dataset the indexer fails on is named, the rest go on
                log.error("dataset %s not indexed: %r", package_id, error)
                refused.append(package_id)
            finally:
                model.Session.remove()
        batched.flush()
    finally:
        search_index.make_connection = original
    return {"indexed": batched.sent, "refused": refused + batched.refused}


def _index_share(ini: str, ids: list[str], answers: Any) -> None:
    """One process: load the portal, index ``ids``."""
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    app = make_app(load_config(ini))
    with getattr(app, "_wsgi_app", app).test_request_context():
        answers.put(_index(ids))


def package_ids() -> list[str]:
    """What CKAN's rebuild indexes: every dataset but deleted ones (when they are removed)."""
    query = model.Session.query(model.Package.id)
    if tk.config.get("ckan.search.remove_deleted_packages"):
        query = query.filter(model.Package.state != "deleted")
    return [pid for (pid,) in query]


def rebuild(processes: int | None = None, echo: Callable[[str], None] = print) -> Outcome:
    """Reindex every dataset in ``processes`` processes (default: one per CPU, but not more
    than one per ``PER_PROCESS`` datasets: a process costs seconds to start). One process is
    this one."""
    ids = package_ids()
    model.Session.remove()
    processes = processes or min(os.cpu_count() or 1, -(-len(ids) // PER_PROCESS))
    processes = max(1, min(processes, len(ids)))
    echo(f"{len(ids)} datasets, {processes} processes, batches of {BATCH}")
    outcome = Outcome()
    if processes == 1:
        found = _index(ids)
        outcome.indexed, outcome.refused = found["indexed"], found["refused"]
        commit()
        outcome.verify = index_check.verify(fix=True)
        return outcome
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    workers = [context.Process(target=_index_share, args=(tk.config["__file__"], ids[k::processes], answers))
               for k in range(processes)]
    for worker in workers:
        worker.start()
    answered = 0
    # Answers are read while the processes run (a process that has put an answer does not
    # end before it is read); a process that died answers nothing.
    while answered < processes and (any(w.is_alive() for w in workers) or not answers.empty()):
        try:
            found = answers.get(timeout=1)
        except queue.Empty:
            continue
        answered += 1
        outcome.indexed += found["indexed"]
        outcome.refused += found["refused"]
    for worker in workers:
        worker.join()
        if worker.exitcode:
            outcome.failed_processes += 1
    commit()
    outcome.verify = index_check.verify(fix=True)
    return outcome
