"""scripts/services.sh: clear messages when a service cannot be had.

These run the real script against throw-away state folders and free ports,
so the services of the running test session are not touched.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from ckanext.nakano.tests.portal_api import free_port

ROOT = Path(__file__).resolve().parents[4]
SERVICES = ROOT / "scripts" / "services.sh"

pytestmark = pytest.mark.services


def run(*args: str, local: Path, **ports: int) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NAKANO_LOCAL=str(local))
    env.update({f"NAKANO_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    return subprocess.run([str(SERVICES), *args], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture()
def squatter():
    """Something that is none of our services, listening on a free loopback port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.0 418 I'm a teapot\r\n\r\nnot a database\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()



@pytest.mark.parametrize("service,name,port_var,log", [
    ("postgres", "PostgreSQL", "pg", "postgresql.log"),
    ("redis", "Redis", "redis", "redis.log"),
    ("solr", "Solr", "solr", "solr.log"),
])
def test_port_taken_by_something_else_is_reported(tmp_path, squatter, service, name, port_var, log):
    result = run("start", service, local=tmp_path, **{port_var: squatter})
    assert result.returncode != 0
    assert f"{name}: port {squatter} is taken" in result.stderr
    assert re.search(rf"ours logs to /\S+/{log}\)", result.stderr)  # names our log file


def test_ckan_port_taken_is_reported(tmp_path, squatter):
    (tmp_path / "ckan.ini").write_text("[app:main]\n")
    result = run("start", "ckan", local=tmp_path, ckan=squatter)
    assert result.returncode != 0
    assert f"CKAN: port {squatter} is taken by another program" in result.stderr
    # Refused before anything was started (a supervisord was once left behind by each run).
    assert not (tmp_path / "run" / "supervisord.pid").exists()


def test_service_that_fails_to_start_names_service_and_log(tmp_path):
    (tmp_path / "redis").write_text("a file where Redis expects its data folder")
    result = run("start", "redis", local=tmp_path, redis=free_port())
    assert result.returncode != 0
    assert f"Redis did not start; see {tmp_path / 'log' / 'redis.log'}" in result.stderr


def test_solr_that_exits_is_reported_at_once(tmp_path):
    env_port = free_port()
    result = subprocess.run(
        [str(SERVICES), "start", "solr"], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, NAKANO_LOCAL=str(tmp_path), NAKANO_SOLR_PORT=str(env_port),
                 NAKANO_SOLR_HEAP="not-a-size"))
    assert result.returncode != 0
    assert "Solr exited; see" in result.stderr
    assert "solr-console.log" in result.stderr


def test_running_services_are_reused(tmp_path):
    # The test session's own Redis answers on its port.
    port = os.environ.get("NAKANO_REDIS_PORT", "6379")
    result = run("start", "redis", local=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Redis: reusing the server on port {port}" in result.stdout


def test_status_reports_each_service(tmp_path):
    result = run("status", local=tmp_path)
    assert result.returncode == 0
    for name in ("PostgreSQL", "Redis", "Solr", "CKAN", "Worker"):
        assert name in result.stdout
    assert re.search(r"^Redis\s+up", result.stdout, re.M)


def test_a_full_stop_ends_processes_of_the_portal_no_pidfile_tracked(tmp_path):
    """A job worker once outlived its test portal: after stopping every service,
    `stop` ends what still runs `ckan -c <this portal's ini>`, and nothing else."""
    import sys
    import time

    ini = tmp_path / "ckan.ini"
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "-c", str(ini)])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "-c", f"{ini}.other"])
    try:
        result = run("stop", local=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"no pidfile tracked: {ours.pid}" in result.stdout
        deadline = time.monotonic() + 15
        while ours.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ours.poll() is not None and other.poll() is None
        assert "no pidfile tracked" not in run("stop", local=tmp_path).stdout   # nothing left the second time
    finally:
        for process in (ours, other):
            process.kill()
            process.wait()


def test_a_restart_keeps_the_log_and_a_big_log_is_moved_aside(tmp_path):
    """Logs are appended to (a restart kept no trace of the error before it) and
    rotated when they pass NAKANO_LOG_MAX_BYTES, never truncated."""
    port = free_port()
    log = tmp_path / "log" / "mail.log"
    env_size = {"NAKANO_LOG_MAX_BYTES": "2000"}

    def mail(*args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, NAKANO_LOCAL=str(tmp_path), NAKANO_MAIL_PORT=str(port), **env_size)
        return subprocess.run([str(SERVICES), *args, "mail"], env=env, capture_output=True, text=True, timeout=120)

    try:
        assert mail("start").returncode == 0
        log.parent.mkdir(exist_ok=True)
        with log.open("a") as out:
            out.write("Traceback: the error before the restart\n")
        assert mail("stop").returncode == 0 and mail("start").returncode == 0
        assert "the error before the restart" in log.read_text()
        with log.open("a") as out:
            out.write("x" * 3000 + "\n")
        assert mail("stop").returncode == 0 and mail("start").returncode == 0
        assert "the error before the restart" in (tmp_path / "log" / "mail.log.1").read_text()
        assert log.stat().st_size < 2000
    finally:
        mail("stop")


def test_free_ports_are_never_handed_out_twice():
    """A portal of the tests takes six ports at once: the kernel gives a port that
    was closed a moment ago again (about 1 in 150 here), which once put a test
    portal's web server on its own Redis port."""
    ports = [free_port() for _ in range(600)]
    assert len(set(ports)) == len(ports)


def test_processes_started_before_supervisord_are_stopped(tmp_path):
    """A portal upgraded while its processes ran under the scripts before supervisord
    (a pidfile each, or none): `stop` ends them, and leaves the portal's other
    `ckan` commands (an operator's search-index rebuild) alone."""
    import sys
    import time

    ini = tmp_path / "ckan.ini"
    sleeper = "import time; time.sleep(300)"
    (tmp_path / "run").mkdir()
    by_pidfile = subprocess.Popen([sys.executable, "-c", sleeper, "-c", str(ini), "nakano", "metrics", "worker"])
    (tmp_path / "run" / "metrics.pid").write_text(f"{by_pidfile.pid}\n")
    no_pidfile = subprocess.Popen([sys.executable, "-c", sleeper, "-c", str(ini), "nakano", "upkeep"])
    operator = subprocess.Popen([sys.executable, "-c", sleeper, "-c", str(ini), "search-index", "rebuild"])
    for process in (by_pidfile, no_pidfile):   # reaped at once, as init reaps a real portal's
        threading.Thread(target=process.wait, daemon=True).start()
    try:
        result = run("stop", "metrics", local=tmp_path)
        assert result.returncode == 0, result.stderr
        deadline = time.monotonic() + 15
        while (by_pidfile.poll() is None or no_pidfile.poll() is None) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert by_pidfile.poll() is not None and no_pidfile.poll() is not None
        assert operator.poll() is None
        assert not (tmp_path / "run" / "metrics.pid").exists()
    finally:
        for process in (by_pidfile, no_pidfile, operator):
            process.kill()
            process.wait()
