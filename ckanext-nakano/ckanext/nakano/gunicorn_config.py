"""gunicorn settings for the portal (``gunicorn -c python:ckanext.nakano.gunicorn_config``,
config/supervisord.conf): what the command line cannot say.

A worker of a master that was killed (SIGKILL, the OOM killer) notices only when its
wait for a request times out — up to half of ``--timeout``, 60 s here — and meanwhile
keeps the listening socket, so the master supervisord starts again cannot bind the
port, gives up after its retries, and the portal stays down. Each worker asks Linux
to end it as soon as its master is gone.
"""
from __future__ import annotations

import ctypes
import os
import signal
from typing import Any

# prctl(2): PR_SET_PDEATHSIG delivers the signal to this process when its parent ends.
_PR_SET_PDEATHSIG = 1


def post_fork(server: Any, worker: Any) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        server.log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() != worker.ppid:   # the master died between fork and prctl
        os.kill(os.getpid(), signal.SIGTERM)
