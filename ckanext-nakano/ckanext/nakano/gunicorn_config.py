"""gunicorn settings for the portal (``gunicorn -c python:ckanext.nakano.gunicorn_config``,
config/supervisord.conf): what the command line cannot say.

A worker of a master that was killed (SIGKILL, the OOM killer) notices only when its wait
for a request times out — up to half of ``--timeout``, 60 s here — and meanwhile keeps the
listening socket, so the master supervisord starts again cannot bind the port, gives up
after its retries, and the portal stays down. Each worker ends with its master
(process_life.py).
"""
from __future__ import annotations

from typing import Any

from ckanext.nakano.process_life import end_with_parent


def post_fork(server: Any, worker: Any) -> None:
    end_with_parent(worker.ppid)
