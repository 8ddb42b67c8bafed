"""`ckan nakano worker` stops when asked (SIGTERM, as supervisord and docker stop
ask), idle or in the middle of a job: an idle worker that was asked to stop
once went on waiting for jobs until supervisord killed it two minutes later."""
from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

import ckan.plugins.toolkit as tk

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("with_plugins")]
ROOT = Path(__file__).resolve().parents[5]


def _worker(queue: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ROOT / "test.ini"), "nakano", "worker",
                             queue], stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(log: Path, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} not in the worker's log:\n{log.read_text()[-2000:]}"
        time.sleep(0.2)


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
def test_the_worker_stops_on_sigterm(tmp_path, busy):
    queue = f"stop_{uuid.uuid4().hex[:6]}"
    log = tmp_path / "worker.log"
    worker = _worker(queue, log)
    try:
        _wait_for(log, "has started on queue")
        if busy:
            job = tk.enqueue_job(time.sleep, [5], queue=queue)
            _wait_for(log, f"starts job {job.id}")
        worker.send_signal(signal.SIGTERM)
        # Busy: the job in hand is finished first (5 s), then the worker ends.
        assert worker.wait(timeout=30) == 0, log.read_text()[-2000:]
        assert "starting it again" not in log.read_text()
        if busy:
            assert f"has finished job {job.id}" in log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
