"""A stock CKAN aggregator that harvests a running portal, as Tokyo's catalog,
BODIK and e-Gov do (issue 17).

The same virtualenv (CKAN 2.12, ckanext-harvest, ckanext-dcat of
requirements.txt) with a configuration of its own made by ``ckan generate
config`` and only ``harvest ckan_harvester dcat dcat_rdf_harvester`` enabled:
no ``nakano``, no scheming. It lives inside the portal's services (``portal``
fixture of tests/conftest.py): its own PostgreSQL database in the portal's
cluster, its own Solr core with CKAN's stock schema (``scripts/services.sh
stockcore``), its own Redis database, and its own gunicorn on a free port.
A harvest is a job created through the aggregator's API and run to its end
by ``run_harvest_job.py`` in one process with the aggregator's ini:
ckanext-harvest's own gather, fetch and import stages, then
``harvest_jobs_run`` (see that file for why neither ``harvester run-test`` nor
the stock consumers are used).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from ckanext.nakano.tests import portal_api
from ckanext.nakano.tests.portal_api import free_port

ROOT = Path(__file__).resolve().parents[5]
SERVICES = ROOT / "scripts" / "services.sh"
CKAN = ROOT / ".venv" / "bin" / "ckan"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PYTHON = ROOT / ".venv" / "bin" / "python"
RUNNER = Path(__file__).with_name("run_harvest_job.py")

PLUGINS = "harvest ckan_harvester dcat dcat_rdf_harvester"
# Redis database of the aggregator in the portal's Redis (the portal uses 0).
REDIS_DB = 3
# Extras the harvest plugin itself adds to every harvested dataset.
HARVEST_EXTRAS = {"harvest_object_id", "harvest_source_id", "harvest_source_title"}

WSGI = '''"""The aggregator's WSGI application, as CKAN's deployment docs write it."""
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

fileConfig(os.environ["CKAN_INI"], disable_existing_loggers=False)
application = make_app(CKANConfigLoader(os.environ["CKAN_INI"]).get_config())
'''



def _tail(text: str, lines: int = 40) -> str:
    return "\n".join((text or "").splitlines()[-lines:])


@dataclass
class HarvestReport:
    """What ckanext-harvest recorded for one job: its counts and its errors."""
    source: str
    job_id: str
    status: str
    added: int
    updated: int
    unchanged: int
    deleted: int
    errored: int
    gather_errors: list[str] = field(default_factory=list)
    # guid of the harvested record -> its error messages
    object_errors: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    # Every harvest object of the job: guid, state, report_status, package_id.
    objects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return self.gather_errors + [f"{guid}: {m}" for guid, ms in self.object_errors.items() for m in ms]

    @property
    def gathered(self) -> list[str]:
        """guids of the records the gather stage found at the source (not the deletions)."""
        return [o["guid"] for o in self.objects if o["report_status"] != "deleted"]

    @property
    def counts(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "deleted": self.deleted, "errored": self.errored}

    def summary(self, errors: int = 10) -> str:
        text = f"harvest job {self.job_id} of {self.source} ({self.status}, {self.seconds:.0f} s): {self.counts}"
        shown = self.errors[:errors]
        if shown:
            text += "\n  " + "\n  ".join(e[:400] for e in shown)
            if len(self.errors) > errors:
                text += f"\n  … and {len(self.errors) - errors} more errors"
        return text


class StockAggregator:
    """A stock CKAN site harvesting ``portal``; ``setup()`` then ``teardown()``.

    ``sources`` maps a harvester type (``ckan``, ``dcat_rdf``) to the harvest
    source created for it; ``harvest(source)`` runs one whole harvest job;
    ``datasets(source)`` reads what the aggregator holds, as its API serves it.
    """

    def __init__(self, portal: dict[str, Any], name: str = "aggregator", redis_db: int = REDIS_DB):
        self.portal = portal
        self.name = name
        self.redis_db = redis_db
        self.dir = Path(portal["local"]) / name
        self.ini = self.dir / "ckan.ini"
        self.log_dir = self.dir / "log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ports = portal["ports"]
        # The portal's environment (NAKANO_LOCAL and its ports, for scripts/),
        # without the CKAN_* overrides `make test` exports for the test site:
        # CKAN would prefer them to this site's ini.
        self.env = {k: v for k, v in portal["env"].items() if not k.startswith("CKAN_")}
        self.env["CKAN_INI"] = str(self.ini)
        self.sources: dict[str, dict[str, Any]] = {}
        self.organization: dict[str, Any] = {}
        self.token = ""
        self.timings: dict[str, float] = {}
        self._web: subprocess.Popen | None = None

    # -- running things --------------------------------------------------------

    def _run(self, what: str, args: list[str], timeout: float = 300) -> str:
        """Runs a command in the aggregator's environment; its output is logged,
        and a failure fails the test with the output's end."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        done = subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, cwd=self.dir)
        with open(self.log_dir / "setup.log", "a", encoding="utf-8") as log:
            log.write(f"\n==> {what}: {' '.join(map(str, args))} (rc {done.returncode}, "
                      f"{time.monotonic() - started:.1f} s)\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            pytest.fail(f"stock aggregator: {what} failed (rc {done.returncode}):\n"
                        f"{_tail(done.stdout + done.stderr)}", pytrace=False)
        return done.stdout

    def ckan(self, *args: str, what: str | None = None, timeout: float = 300) -> str:
        """``ckan -c <aggregator ini> <args>``."""
        return self._run(what or f"ckan {' '.join(args[:3])}", [CKAN, "-c", self.ini, *args], timeout=timeout)

    def api(self, action: str, **data: Any) -> Any:
        """An action of the aggregator's API, as its sysadmin; fails the test on an error answer."""
        # POST for every action: CKAN accepts it for reads too, and requires it
        # for harvest_jobs_run.
        answer = portal_api.request(self.url, action, data, auth=self.token, method="post", timeout=120)
        try:
            body = answer.json()
        except ValueError:
            pytest.fail(f"aggregator {action}: HTTP {answer.status_code}, not JSON: {answer.text[:300]}\n"
                        f"{self.last_log_errors()}", pytrace=False)
        if not body.get("success"):
            pytest.fail(f"aggregator {action}({data}): {body.get('error')}", pytrace=False)
        return body["result"]

    def last_log_errors(self) -> str:
        log = self.log_dir / "web.log"
        if not log.is_file():
            return ""
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        starts = [i for i, line in enumerate(lines) if "Traceback" in line or " ERROR " in line]
        return "\n".join(lines[starts[-1]:starts[-1] + 40]) if starts else ""

    # -- set up and tear down --------------------------------------------------

    def _require_services(self) -> None:
        """The portal's PostgreSQL, Redis and Solr must answer: fail loudly if not."""
        first = self.portal.get("first")
        if first is not None and first.returncode != 0:
            pytest.fail("the portal the aggregator harvests did not come up (scripts/up.sh rc "
                        f"{first.returncode}):\n{_tail(first.stdout + first.stderr)}", pytrace=False)
        import psycopg2
        import redis
        try:
            psycopg2.connect(host="127.0.0.1", port=self.ports["pg"], user="nakano", password="nakano",
                             dbname="postgres", connect_timeout=5).close()
        except psycopg2.Error as e:
            pytest.fail(f"stock aggregator: the portal's PostgreSQL on port {self.ports['pg']} "
                        f"does not answer: {e}", pytrace=False)
        try:
            redis.Redis(host="127.0.0.1", port=self.ports["redis"], socket_timeout=5).ping()
        except redis.RedisError as e:
            pytest.fail(f"stock aggregator: the portal's Redis on port {self.ports['redis']} "
                        f"does not answer: {e}", pytrace=False)
        try:
            requests.get(f"http://127.0.0.1:{self.ports['solr']}/solr/ckan/admin/ping", timeout=10) \
                .raise_for_status()
        except requests.RequestException as e:
            pytest.fail(f"stock aggregator: the portal's Solr on port {self.ports['solr']} "
                        f"does not answer: {e}", pytrace=False)
        if not portal_api.answers(self.portal["url"], timeout=30):
            pytest.fail(f"stock aggregator: the portal {self.portal['url']} does not answer", pytrace=False)

    def _timed(self, name: str, started: float) -> None:
        self.timings[name] = round(time.monotonic() - started, 1)

    def setup(self) -> "StockAggregator":
        started = time.monotonic()
        self._require_services()
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "storage").mkdir(parents=True)
        self.log_dir.mkdir()

        # Database in the portal's cluster, Solr core with CKAN's stock schema;
        # what a run that was killed may have left is removed first.
        self._run("database", [SERVICES, "dropdb", self.name])
        self._run("database", [SERVICES, "createdb", self.name])
        self._run("Solr core", [SERVICES, "dropcore", self.name])
        self._run("Solr core", [SERVICES, "stockcore", self.name])
        import redis
        redis.Redis(host="127.0.0.1", port=self.ports["redis"], db=self.redis_db).flushdb()

        # Configuration: CKAN's generated one, then this site's services.
        self._run("ckan generate config", [CKAN, "generate", "config", self.ini])
        pg = f"postgresql://nakano:nakano@127.0.0.1:{self.ports['pg']}/{self.name}"
        self._run("ckan config-tool", [
            CKAN, "config-tool", self.ini,
            f"ckan.plugins={PLUGINS}",
            f"sqlalchemy.url={pg}",
            f"solr_url=http://127.0.0.1:{self.ports['solr']}/solr/{self.name}",
            f"ckan.redis.url=redis://127.0.0.1:{self.ports['redis']}/{self.redis_db}",
            f"ckan.site_url={self.url}",
            f"ckan.site_id={self.name}",
            f"ckan.storage_path={self.dir / 'storage'}",
            # The Japanese aggregators run in Japanese: ckanext-dcat takes the
            # literal in the site's default language (then any) for a title.
            "ckan.locale_default=ja",
            "ckan.harvest.mq.type=redis",
            f"smtp.server=127.0.0.1:{self.ports['mail']}",
            "smtp.mail_from=aggregator@example.org",
        ])
        self._timed("config", started)

        step = time.monotonic()
        self.ckan("db", "init", what="ckan db init")
        self.ckan("db", "upgrade", "-p", "harvest", what="harvest migrations")
        self._timed("database", step)

        step = time.monotonic()
        self.ckan("user", "add", "aggregator-admin", "email=admin@aggregator.example.org",
                  "password=aggregator-admin-password", what="sysadmin")
        self.ckan("sysadmin", "add", "aggregator-admin", what="sysadmin")
        self.token = self.ckan("user", "token", "add", "aggregator-admin", "tests",
                               what="API token").strip().splitlines()[-1].strip()
        self._timed("sysadmin", step)

        step = time.monotonic()
        self.start_web()
        self._timed("web", step)

        self.organization = self.api("organization_create", name="nakano-harvest",
                                     title="中野区（ハーベスト）")
        portal = self.portal["url"]
        for kind, url in (("ckan", portal), ("dcat_rdf", portal + "/catalog.ttl")):
            self.sources[kind] = self.api(
                "harvest_source_create", name=f"nakano-{kind.replace('_', '-')}", url=url,
                source_type=kind, title=f"Nakano {kind}", owner_org=self.organization["id"],
                frequency="MANUAL", config="{}")
        self._timed("setup", started)
        return self

    def start_web(self) -> None:
        (self.dir / "aggregator_wsgi.py").write_text(WSGI, encoding="utf-8")
        log = open(self.log_dir / "web.log", "a", encoding="utf-8")
        self._web = subprocess.Popen(
            [str(GUNICORN), "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--timeout", "120",
             "--chdir", str(self.dir), "aggregator_wsgi:application"],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if portal_api.wait_until_answers(self.url, 90, alive=lambda: self._web.poll() is None):
            return
        if self._web.poll() is not None:
            pytest.fail(f"stock aggregator: gunicorn exited (rc {self._web.returncode}):\n"
                        f"{_tail((self.log_dir / 'web.log').read_text(errors='replace'))}", pytrace=False)
        pytest.fail(f"stock aggregator: {self.url} did not answer in 90 s; see {self.log_dir / 'web.log'}",
                    pytrace=False)

    @staticmethod
    def _stop(proc: subprocess.Popen | None) -> None:
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def stop_web(self) -> None:
        self._stop(self._web)
        self._web = None

    def teardown(self, keep_logs: Path | None = None) -> None:
        """Stops its gunicorn, drops its database, Solr core and Redis database;
        its logs are copied to ``keep_logs``."""
        self.stop_web()
        if keep_logs and self.log_dir.is_dir():
            shutil.rmtree(keep_logs, ignore_errors=True)
            shutil.copytree(self.log_dir, keep_logs)
        problems = []
        for what, args in (("Solr core", [SERVICES, "dropcore", self.name]),
                           ("database", [SERVICES, "dropdb", self.name])):
            done = subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True,
                                  timeout=120)
            if done.returncode != 0:
                problems.append(f"{what}: {_tail(done.stdout + done.stderr, 5)}")
        try:
            import redis
            redis.Redis(host="127.0.0.1", port=self.ports["redis"], db=self.redis_db,
                        socket_timeout=5).flushdb()
        except Exception as e:  # noqa: BLE001 - reported below
            problems.append(f"Redis db {self.redis_db}: {e}")
        shutil.rmtree(self.dir, ignore_errors=True)
        if problems:
            raise RuntimeError("stock aggregator teardown: " + "; ".join(problems))

    # -- harvesting and reading ----------------------------------------------

    def source(self, source: str | dict[str, Any]) -> dict[str, Any]:
        return self.sources[source] if isinstance(source, str) else source

    def harvest(self, source: str | dict[str, Any], timeout: float = 900,
                gather_only: bool = False) -> HarvestReport:
        """Runs one whole harvest of ``source`` (a type of ``sources`` or a
        source dict) and returns its job's report; ``gather_only``: only what
        the source lists (``report.gathered``), nothing imported."""
        src = self.source(source)
        started = time.monotonic()
        job = self.api("harvest_job_create", source_id=src["id"], run=False)
        output = self._run(f"harvest {src['name']}",
                           [PYTHON, RUNNER, self.ini, job["id"], *(["--gather-only"] if gather_only else [])],
                           timeout=timeout)
        result = json.loads(output.strip().splitlines()[-1].removeprefix("RESULT "))
        seconds = time.monotonic() - started
        job = self.api("harvest_job_show", id=job["id"])
        report = self.api("harvest_job_report", id=job["id"])
        stats = job.get("stats") or {}
        object_errors: dict[str, list[str]] = {}
        for entry in report.get("object_errors", {}).values():
            object_errors.setdefault(entry.get("guid") or "?", []).extend(
                e["message"] for e in entry.get("errors", []))
        return HarvestReport(
            source=src["name"], job_id=job["id"], status=job["status"],
            added=stats.get("added", 0), updated=stats.get("updated", 0),
            unchanged=stats.get("not modified", 0), deleted=stats.get("deleted", 0),
            errored=stats.get("errored", 0),
            gather_errors=[e["message"] for e in report.get("gather_errors", [])],
            object_errors=object_errors, seconds=seconds, objects=result["objects"])

    def datasets(self, source: str | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every dataset the aggregator holds (private and draft ones too), or
        only those harvested by ``source``; as its package_search serves them."""
        fq = f'harvest_source_id:"{self.source(source)["id"]}"' if source else ""
        found: list[dict[str, Any]] = []
        while True:
            page = self.api("package_search", q="*:*", fq=fq, rows=1000, start=len(found),
                            include_private=True, include_drafts=True, sort="id asc")
            found.extend(page["results"])
            if not page["results"] or len(found) >= page["count"]:
                return found

    def dataset(self, id_or_name: str) -> dict[str, Any]:
        return self.api("package_show", id=id_or_name)
