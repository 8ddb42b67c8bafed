"""``ckan nakano upkeep`` as the process manager runs it, and the old CLI
names kept as aliases."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[5]
CKAN = [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ROOT / "test.ini")]


def _ckan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CKAN, *args], capture_output=True, text=True, timeout=300, env=os.environ)


def test_one_upkeep_pass_with_the_index_check():
    done = _ckan("nakano", "upkeep", "--once", "--run", "search index")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "search index: {'missing':" in done.stdout, done.stdout


def test_an_unknown_task_is_refused_by_name():
    done = _ckan("nakano", "upkeep", "--once", "--run", "nothing")
    assert done.returncode == 2 and "search index" in done.stderr, done.stderr[-2000:]


def test_the_metrics_worker_command_is_still_there():
    """Renamed to `metrics ingester`; the old name stays for one release."""
    done = _ckan("nakano", "metrics", "worker", "--help")
    assert done.returncode == 0 and "ingester" in done.stdout, done.stdout + done.stderr[-1000:]
