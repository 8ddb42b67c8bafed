from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

from typing import Any, Callable

import flask_babel
import pytest
import yaml

import ckan.plugins.core
from ckan import model
from ckan.lib.redis import connect_to_redis
import ckan.plugins.toolkit as tk

from ckanext.nakano.tests.portal_api import free_port

def _cached_entry_points(lookup: Callable[..., Any]) -> Callable[..., Any]:
    """``importlib.metadata.entry_points`` reads every installed distribution's
    metadata on each call, and CKAN looks each plugin up with it on every
    ``load_all`` — which ``with_plugins`` and ``app`` run for every test (measured:
    half of the 0.9 s each test spent loading plugins). The installed packages do
    not change during a run."""
    found: dict[tuple, Any] = {}

    def entry_points(**selection: str) -> Any:
        key = tuple(sorted(selection.items()))
        if key not in found:
            found[key] = lookup(**selection)
        return found[key]
    return entry_points


def _c_safe_load(stream: Any) -> Any:
    """``yaml.safe_load`` with libyaml's parser: every plugin load parses the plugins'
    config declarations, the scheming schemas and the asset bundles again (a fifth of
    a test's plugin loading in pure Python). Same documents, same result."""
    return yaml.load(stream, Loader=yaml.CSafeLoader)


ckan.plugins.core.entry_points = _cached_entry_points(ckan.plugins.core.entry_points)
if yaml.__with_libyaml__:
    yaml.safe_load = _c_safe_load

# Plugins of config/portal.ini that own database tables.
PLUGINS_WITH_TABLES = ("activity", "harvest", "nakano")


@pytest.fixture()
def clean_db(with_plugins, reset_db, migrate_db_for):
    """CKAN's clean_db drops every table; re-create our plugins' tables too.

    The plugins must be loaded for their migrations to be found, so this
    fixture loads the portal's plugins (``with_plugins``) first.
    """
    _empty_database(reset_db, migrate_db_for)


_MIGRATED: set[str] = set()


def _empty_database(reset_db: Callable[[], None], migrate_db_for: Callable[[str], None]) -> None:
    """CKAN's reset, and our plugins' tables migrated again after a drop.

    CKAN drops the tables only the first time (then it deletes rows and keeps them,
    the plugins' own tables and alembic versions too): the migrations, 0.1 s per
    plugin of alembic setup even at head, run again only after a drop."""
    tables_kept = model.repo.tables_created_and_initialised
    reset_db()
    for plugin in PLUGINS_WITH_TABLES:
        if not (tables_kept and plugin in _MIGRATED):
            migrate_db_for(plugin)
            _MIGRATED.add(plugin)


@pytest.fixture(scope="module")
def demo_catalog(reset_db, reset_index, reset_storages, migrate_db_for, tmp_path_factory):
    """The demo catalog loaded once for a module whose tests only read it (its LoadResult
    and its storage folder): loading it costs 14 s, which each test paid again. The
    database and index are emptied first as ``clean_db`` and ``clean_index`` do; the plugins
    are loaded for the load only (each test's ``with_plugins`` loads them again); the
    storage path stays the module's until its last test."""
    from ckanext.nakano.demo.loader import load_demo
    storage = tmp_path_factory.mktemp("demo-storage")
    saved = tk.config.get("ckan.storage_path")
    tk.config["ckan.storage_path"] = str(storage)
    reset_storages()
    ckan.plugins.load_all()
    try:
        _empty_database(reset_db, migrate_db_for)
        reset_index()
        result = load_demo()
    finally:
        ckan.plugins.unload_all()
    yield result, storage
    tk.config["ckan.storage_path"] = saved
    reset_storages()


@pytest.fixture()
def app(app):
    """CKAN's test app, each request in its own language. Under ``with_request_context``
    the test client's requests share the outer app context and so its ``g``, where
    Flask-Babel keeps the locale it chose first: an ``/en/`` page came out Japanese.
    On a real server every request has its own ``g``."""
    app.flask_app.before_request(flask_babel.refresh)
    return app


@pytest.fixture()
def solr_url() -> str:
    """URL of the test Solr core (test.ini, or CKAN_SOLR_URL from make test)."""
    return tk.config["solr_url"].rstrip("/")


@pytest.fixture()
def local_http(tmp_path):
    """A real HTTP server on loopback serving the files of ``tmp_path``; yields its base URL,
    whose ``requests`` lists the paths asked for (a refusal must send none)."""
    import functools
    import http.server
    import threading

    asked: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield _Served(f"http://127.0.0.1:{server.server_address[1]}", asked)
    server.shutdown()
    server.server_close()


class _Served(str):
    """A base URL that also carries the requests its server received."""

    def __new__(cls, url: str, requests: list[str]) -> "_Served":
        served = super().__new__(cls, url)
        served.requests = requests
        return served


@pytest.fixture()
def clean_queues(reset_queues):
    """CKAN's clean_queues, and the jobs scheduled for later too: the DataStore schedules
    ``calculate_record_count`` after each write (CKAN 2.12), rq's ``Queue.empty()`` leaves
    scheduled jobs alone, and a worker started later (``ckan jobs worker --burst`` in a test)
    moved every earlier test's into its queue — minutes of jobs before its own."""
    connection = connect_to_redis()
    for key in connection.scan_iter("rq:scheduled:*"):
        connection.delete(key)
    reset_queues()
    yield
    reset_queues()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder (standards, real municipal files)."""
    path = Path(__file__).resolve().parents[4].parent / "shared"
    if not path.is_dir():
        pytest.fail(f"{path} is missing: tests read standards and real municipal files from it")
    return path


ROOT = Path(__file__).resolve().parents[4]



def _last_errors(log: Path, count: int = 2, lines: int = 40) -> str:
    """The last few logged errors of a portal's log, each with its traceback."""
    if not log.is_file():
        return ""
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()
    starts = [i for i, line in enumerate(text) if " ERROR " in line or line.startswith("Traceback")]
    return "\n".join("\n".join(text[i:i + lines]) for i in starts[-count:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test of the running portal shows the portal's last errors: an
    API call answers "Internal Server Error" and the cause is only in its log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and "portal" in getattr(item, "fixturenames", ()):
        local = item.funcargs.get("portal", {}).get("local") if hasattr(item, "funcargs") else None
        for name in ("ckan.log", "worker.log") if local else ():
            found = _last_errors(Path(local) / "log" / name)
            if found:
                report.sections.append((f"portal {name}, last errors", found))


@pytest.fixture(scope="session")
def portal():
    """A second portal brought up from nothing by scripts/up.sh (PostgreSQL cluster,
    Redis, Solr, gunicorn, nginx, worker, harvest processes) on free ports; stopped at the end."""
    # Inside the checkout's .local/ (not /tmp): the postgres user must reach it.
    local = ROOT / ".local" / f"e2e-{uuid.uuid4().hex[:8]}"
    ports = {name: free_port() for name in ("pg", "redis", "solr", "ckan", "nginx", "mail")}
    env = dict(os.environ, NAKANO_LOCAL=str(local), NAKANO_CKAN_WORKERS="1",
               NAKANO_SOLR_HEAP="512m",
               **{f"NAKANO_{k.upper()}_PORT": str(v) for k, v in ports.items()})
    for var in ("CKAN_SQLALCHEMY_URL", "CKAN_SOLR_URL", "CKAN_REDIS_URL", "CKAN_INI", "CKAN_DATASTORE_WRITE_URL",
                "CKAN_DATASTORE_READ_URL", "CKAN_SMTP_SERVER"):
        env.pop(var, None)  # set by `make test` for the test services, not for this portal

    def up() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(ROOT / "scripts" / "up.sh")], env=env, capture_output=True,
                              text=True, timeout=900)

    first = up()
    try:
        yield {"local": local, "ports": ports, "first": first, "up": up, "env": env,
               "url": f"http://127.0.0.1:{ports['ckan']}"}
    finally:
        subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop"], env=env,
                       capture_output=True, timeout=180)
        # Its logs outlive it, for the diagnosis of a failed run.
        kept = ROOT / ".local" / "test-artifacts" / "e2e-portal-log"
        shutil.rmtree(kept, ignore_errors=True)
        if (local / "log").is_dir():
            shutil.copytree(local / "log", kept, ignore=shutil.ignore_patterns("apt.log", "pip.log", "npm.log",
                                                                                "maven*.log"))
        shutil.rmtree(local, ignore_errors=True)
