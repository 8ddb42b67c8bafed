"""Harvest benchmark: a 1,000-file folder source through the real queues.

The files are the real municipal CSVs of ../shared/data/municipal-csv (焼津市,
高松市, 小山市; two in CP932), copied round-robin with one distinct row each.
The portal's own gather and fetch consumers run as processes on Redis
(``ckan nakano harvest consumer``), exactly as `make up` starts them, against
a separate database (nakano_bench), Solr core (bench_harvest) and Redis db (2).

Measured: datasets/s of the first run (job created → last object done),
the same for an unchanged rerun, their ratio, and the peak RSS (VmHWM) of
each consumer process. Run through bench/run.sh.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
BENCH = LOCAL / "bench"
SHARED = ROOT.parent / "shared" / "data" / "municipal-csv"


def create_core(name: str, schema: Path) -> str:
    """bench/search/run.py's core creation (loaded by path: both scripts are run.py)."""
    import importlib.util

    sys.path.insert(0, str(HERE.parent / "search"))
    spec = importlib.util.spec_from_file_location("search_bench", HERE.parent / "search" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_core(name, schema)

ENV = {
    "CKAN_SQLALCHEMY_URL": "postgresql://nakano:nakano@127.0.0.1:5432/nakano_bench",
    "CKAN_SOLR_URL": "http://127.0.0.1:8983/solr/bench_harvest",
    "CKAN_REDIS_URL": "redis://127.0.0.1:6379/2",
    "CKAN_STORAGE_PATH": str(BENCH / "storage"),
    "CKAN_SITE_ID": "nakano-bench",
}


def ckan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(BENCH / "harvest.ini"), *args],
                          env=dict(os.environ, **ENV), capture_output=True, text=True, check=True)


def build_folder(folder: Path, count: int) -> int:
    """``count`` files from the real CSVs, each with one distinct trailing row."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    originals = sorted(SHARED.glob("*/*.csv"))
    total = 0
    for i in range(count):
        source = originals[i % len(originals)]
        data = source.read_bytes()
        encoding = "cp932" if _is_cp932(data) else "utf-8"
        row = f"\r\n{i},ベンチマーク行 {i}".encode(encoding)
        target = folder / f"{i:04d}_{source.parent.name}_{source.name}"
        target.write_bytes(data.rstrip(b"\r\n") + row + b"\r\n")
        total += target.stat().st_size
    return total


def _is_cp932(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_by_process_group(consumers: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) so far of the consumers, PostgreSQL, Solr and Redis."""
    tick = os.sysconf("SC_CLK_TCK")
    groups: dict[str, float] = {}
    names = {pid: name for name, pid in consumers.items()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
        except OSError:
            continue
        pid = int(entry.name)
        group = ("consumers" if pid in names else "postgresql" if comm.startswith("postgres") else
                 "solr" if comm == "java" else "redis" if comm.startswith("redis") else None)
        if group:
            groups[group] = groups.get(group, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return groups


def timed_job(source_id: str) -> tuple[float, dict[str, int]]:
    """Create a job (sent to the gather queue) and wait until every object is done."""
    import ckan.plugins.toolkit as tk
    from ckan import model
    from ckanext.harvest.model import HarvestJob, HarvestObject
    from sqlalchemy import func

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    start = time.perf_counter()
    job_id = tk.get_action("harvest_job_create")({"user": site_user, "ignore_auth": True},
                                                 {"source_id": source_id})["id"]
    while True:
        time.sleep(0.25)
        model.Session.remove()
        job = model.Session.get(HarvestJob, job_id)
        if job.gather_finished is None:
            continue
        states = dict(model.Session.query(HarvestObject.state, func.count(HarvestObject.id))
                      .filter_by(harvest_job_id=job_id).group_by(HarvestObject.state).all())
        if sum(states.values()) and set(states) <= {"COMPLETE", "ERROR"}:
            elapsed = time.perf_counter() - start
            break
    counts = dict(model.Session.query(HarvestObject.report_status, func.count(HarvestObject.id))
                  .filter_by(harvest_job_id=job_id).group_by(HarvestObject.report_status).all())
    tk.get_action("harvest_jobs_run")({"user": site_user, "ignore_auth": True}, {"source_id": source_id})
    return elapsed, {str(k): v for k, v in counts.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--fetchers", type=int, default=2)
    args = parser.parse_args()

    BENCH.mkdir(parents=True, exist_ok=True)
    (BENCH / "harvest.ini").write_text(
        f"[app:main]\nuse = config:{ROOT / 'test.ini'}\n"
        f"ckanext.nakano.harvest.folder_roots = {BENCH}\n", encoding="utf-8")
    shutil.rmtree(BENCH / "storage", ignore_errors=True)
    create_core("bench_harvest", ROOT / "solr" / "conf" / "schema.xml")
    ckan("db", "clean", "--yes")
    ckan("db", "init")
    folder = BENCH / "share"
    size = build_folder(folder, args.files)

    os.environ.update(ENV)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.plugins.toolkit as tk

    make_app(load_config(str(BENCH / "harvest.ini")))
    from ckanext.harvest.queue import purge_queues
    from ckanext.nakano.harvest.sources import sync

    context = {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"], "ignore_auth": True}
    tk.get_action("organization_create")(dict(context), {"name": "kikaku", "title": "企画部"})
    declared = BENCH / "declared"
    shutil.rmtree(declared, ignore_errors=True)
    declared.mkdir()
    (declared / "bench.yaml").write_text(
        f"sources:\n  - id: bench-share\n    department: kikaku\n    type: folder\n    url: {folder.as_uri()}\n"
        f"    defaults: {{license_id: cc-by, category: 行財政}}\n", encoding="utf-8")
    sync(declared, dict(context))
    source_id = tk.get_action("harvest_source_show")(dict(context), {"id": "bench-share"})["id"]
    purge_queues()

    exe = [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(BENCH / "harvest.ini"), "nakano", "harvest", "consumer"]
    env = dict(os.environ, **ENV)
    procs = {"gather": subprocess.Popen(exe + ["gather"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=open(BENCH / "gather.log", "w"))}
    for n in range(args.fetchers):
        procs[f"fetch{n + 1}"] = subprocess.Popen(exe + ["fetch"], env=env, stdout=subprocess.DEVNULL,
                                                  stderr=open(BENCH / f"fetch{n + 1}.log", "w"))
    time.sleep(3)
    try:
        pids = {name: p.pid for name, p in procs.items()}
        cpu_before = cpu_by_process_group(pids)
        first_s, first = timed_job(source_id)
        cpu_after = cpu_by_process_group(pids)
        rerun_s, rerun = timed_job(source_id)
        rss = {name: round(peak_rss_mb(p.pid), 1) for name, p in procs.items()}
    finally:
        for p in procs.values():
            p.terminate()
        for p in procs.values():
            p.wait(timeout=60)

    added = first.get("added", 0)
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}",
        "files": args.files, "bytes": size, "fetch_consumers": args.fetchers,
        "first_run": {"seconds": round(first_s, 1), "counts": first,
                      "datasets_per_s": round(added / first_s, 1)},
        "unchanged_rerun": {"seconds": round(rerun_s, 2), "counts": rerun,
                            "files_per_s": round(args.files / rerun_s, 1)},
        "rerun_speedup": round(first_s / rerun_s, 1),
        "first_run_cpu_seconds": {k: round(cpu_after.get(k, 0) - v, 1) for k, v in cpu_before.items()},
        "peak_rss_mb": rss,
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results" / "harvest.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
