"""Web benchmark: home, search and dataset pages of the portal vs stock CKAN 2.12, under load.

The portal is the one `make up` runs (scripts/up.sh: gunicorn, 2 sync
workers, with the worker, harvest and metrics processes beside it). Beside
it this script starts a second gunicorn, same options and number of
workers, of stock CKAN 2.12: an ini from `ckan generate config` with CKAN's
own plugins only (``activity text_view image_view``: no scheming, nakano,
dcat or harvest), pointed with `ckan config-tool` at the portal's database,
Solr core, Redis and file storage, with the portal's language and site texts.
Both therefore serve the same demo catalog.

wrk (Debian's wrk) loads each page over loopback at 20 connections for 30 s
per server: the home page, the search page with a Japanese query (公園: 3
demo datasets on both) and a demo dataset's page. The two servers take turns
in slices of 10 s (ours-stock, stock-ours, ours-stock: each gets the same
share of every part of the run), and a slice starts only after the previous
server has answered the requests wrk abandoned when it stopped. bench/web/
report.lua returns each slice's latency histogram, so the percentiles are
exact over all slices. Reported per page and server: requests/s, p50 and p99
latency, errors (socket errors, non-2xx/3xx answers), gunicorn CPU per
request; and ours/stock ratios (target ≤ 1.2 for the search and dataset
pages: printed, not enforced). Exits 1 on any error or 5xx.

Run through bench/run.sh web (brings the portal up with scripts/up.sh);
honours NAKANO_LOCAL and NAKANO_*_PORT as the service scripts do.
"""
from __future__ import annotations

import argparse
import configparser
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

import requests

from ckanext.nakano.tests.portal_api import HEALTH, answers, free_port, wait_until_answers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
PORTAL_INI = LOCAL / "ckan.ini"
PORTAL_PID = LOCAL / "run" / "ckan.pid"
PORTAL_URL = f"http://127.0.0.1:{os.environ.get('NAKANO_CKAN_PORT', '5000')}"
WORKERS = int(os.environ.get("NAKANO_CKAN_WORKERS", "2"))  # as config/supervisord.conf (NAKANO_CKAN_WORKERS)
OUT = LOCAL / "bench" / "web"
VENV = ROOT / ".venv" / "bin"
LUA = HERE / "report.lua"
# harvest: the shared database holds the demo's harvest sources (datasets of type
# "harvest"); stock CKAN lists them on its home page and needs ckanext-harvest's
# routes to link them, else it answers 500.
STOCK_PLUGINS = "activity text_view image_view harvest"
# Settings copied from the portal's ini: same services and data, same language and site texts.
SHARED_SETTINGS = ("sqlalchemy.url", "solr_url", "ckan.redis.url", "ckan.storage_path", "ckan.site_id",
                   "ckan.site_title", "ckan.site_description", "ckan.locale_default", "ckan.locales_offered",
                   "ckan.display_timezone")
# The metrics middleware counts these requests (after the response, as for
# any visitor); "monitor" files them under bots, apart from people's visits.
USER_AGENT = "nakano-bench-web (wrk; monitor)"
TARGET = 1.2
TARGET_PAGES = ("search", "dataset")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without CKAN_* overrides (`make test` exports some for the test services)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}
    env.update(extra)
    return env



def portal_settings() -> dict[str, str]:
    """SHARED_SETTINGS as the portal's ini (written by scripts/up.sh) has them."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(PORTAL_INI, encoding="utf-8")
    section = parser["app:main"]
    return {key: section[key] for key in SHARED_SETTINGS if section.get(key)}


def write_stock_ini(port: int) -> Path:
    """Stock CKAN's own generated ini, with only the portal's services, data and language."""
    ini = OUT / "stock.ini"
    ini.unlink(missing_ok=True)
    env = clean_env()
    subprocess.run([str(VENV / "ckan"), "generate", "config", str(ini)], env=env, check=True,
                   capture_output=True, text=True)
    settings = dict(portal_settings(), **{
        "ckan.site_url": f"http://127.0.0.1:{port}",
        "ckan.plugins": STOCK_PLUGINS,
        "ckan.views.default_views": "image_view text_view",  # datatables_view is not loaded
    })
    subprocess.run([str(VENV / "ckan"), "config-tool", str(ini), *(f"{k}={v}" for k, v in settings.items())],
                   env=env, check=True, capture_output=True, text=True)
    return ini


def start_gunicorn(ini: Path, port: int, workers: int = WORKERS, name: str = "stock") -> subprocess.Popen[bytes]:
    """gunicorn with the options of config/supervisord.conf (access log included: it costs both the same)."""
    OUT.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [str(VENV / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120",
         "--error-logfile", str(OUT / f"{name}.log"), "--capture-output",
         "--access-logfile", str(OUT / f"{name}-access.log"),
         "--access-logformat", '%(t)s "%(r)s" %(s)s %(B)s %(M)sms',
         "ckanext.nakano.wsgi:application"],  # CKAN's make_app on CKAN_INI
        env=clean_env(CKAN_INI=str(ini)), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_until_answers(f"http://127.0.0.1:{port}", 120, alive=lambda: proc.poll() is None):
        return proc
    if proc.poll() is not None:
        raise SystemExit(f"{name} gunicorn exited; see {OUT / f'{name}.log'}")
    proc.terminate()
    raise SystemExit(f"{name} gunicorn on {port} did not answer; see {OUT / f'{name}.log'}")


def workers_of(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def cpu_seconds(master: int) -> float:
    """User + system CPU of a gunicorn master and its workers."""
    total = 0
    for pid in [master, *workers_of(master)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def settle(master: int, workers: int, timeout: float = 180) -> None:
    """Wait until the master has its workers and they stay the same for 5 s
    (scripts/up.sh reloads a running gunicorn with HUP: workers are replaced)."""
    stable_since, last = time.monotonic(), None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = sorted(workers_of(master))
        if now != last:
            stable_since, last = time.monotonic(), now
        elif len(now) == workers and time.monotonic() - stable_since >= 5:
            return
        time.sleep(0.5)
    raise SystemExit(f"gunicorn {master} did not settle on {workers} workers (has {last})")


def wait_for_jobs(redis_url: str, timeout: float = 900) -> None:
    """Wait until CKAN's RQ queues are empty and no job runs: scripts/up.sh
    queues validation, quality and DataStore jobs that would share the CPU."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline, quiet_since, shown = time.monotonic() + timeout, None, 0.0
    while time.monotonic() < deadline:
        queued = sum(client.llen(k) for k in client.scan_iter("rq:queue:*"))
        running = sum(client.zcount(k, time.time(), "+inf") for k in client.scan_iter("rq:wip:*"))
        if queued or running:
            quiet_since = None
            if time.monotonic() - shown > 15:
                print(f"waiting for background jobs: {queued} queued, {running} running", flush=True)
                shown = time.monotonic()
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 3:
            return
        time.sleep(1)
    raise SystemExit("background jobs did not finish; see the worker log")


def wrk(url: str, seconds: int, connections: int, threads: int) -> dict[str, Any]:
    """One wrk run; report.lua prints its totals and latency histogram as JSON."""
    run = subprocess.run(
        ["wrk", "--threads", str(threads), "--connections", str(connections), "--duration", f"{seconds}s",
         "--timeout", "30s", "--header", f"User-Agent: {USER_AGENT}", "--script", str(LUA), url],
        capture_output=True, text=True)
    for line in run.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            return json.loads(line[len("WRK_RESULT "):])
    raise SystemExit(f"wrk gave no result for {url}:\n{run.stdout}{run.stderr}")


def drain(base: str) -> None:
    """When wrk stops, the requests it abandoned are still in gunicorn's queue
    and would be served during the other server's next slice: one request,
    queued behind them, comes back once they are done."""
    requests.get(base + HEALTH, timeout=300)
    time.sleep(1)  # the metrics ingester gathers events for about a second


def percentile(histogram: dict[int, int], p: float) -> int:
    """wrk's own definition (stats_percentile), over a merged histogram."""
    total = sum(histogram.values())
    rank = math.floor(p / 100 * total + 1)
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return 0


def summarise(slices: list[dict[str, Any]]) -> dict[str, Any]:
    histogram: dict[int, int] = {}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}
    statuses: dict[str, int] = {}
    for s in slices:
        for value, count in s["histogram_us"]:
            histogram[value] = histogram.get(value, 0) + count
        for key in errors:
            errors[key] += s["errors"][key]
        for status, count in s["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    done = sum(s["requests"] for s in slices)
    seconds = sum(s["duration_us"] for s in slices) / 1e6
    cpu = sum(s["cpu_s"] for s in slices)
    count = sum(histogram.values()) or 1
    return {
        "requests": done, "seconds": round(seconds, 2), "requests_per_s": round(done / seconds, 2),
        "p50_ms": round(percentile(histogram, 50) / 1000, 1), "p99_ms": round(percentile(histogram, 99) / 1000, 1),
        "mean_ms": round(sum(v * c for v, c in histogram.items()) / count / 1000, 1),
        "max_ms": round(max(histogram, default=0) / 1000, 1),
        "cpu_ms_per_request": round(cpu / max(done, 1) * 1000, 1),
        "errors": errors, "statuses": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(c for s, c in statuses.items() if s.startswith("5")),
        "slice_requests_per_s": [round(s["requests"] / (s["duration_us"] / 1e6), 1) for s in slices],
        "slice_p50_ms": [round(percentile(dict(s["histogram_us"]), 50) / 1000, 1) for s in slices],
        "bytes_per_response": round(sum(s["bytes"] for s in slices) / max(done, 1)),
    }


def bench_page(path: str, servers: dict[str, tuple[str, int]], args: argparse.Namespace) -> dict[str, Any]:
    """Warm-up, then slices alternating between the servers (order flipped each round)."""
    for base, _ in servers.values():
        wrk(base + path, args.warmup, args.connections, args.threads)
        drain(base)
    rounds = max(1, round(args.duration / args.slice))
    lengths = [args.duration // rounds + (1 if i < args.duration % rounds else 0) for i in range(rounds)]
    slices: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
    for r, seconds in enumerate(lengths):
        order = list(servers) if r % 2 == 0 else list(reversed(servers))
        for name in order:
            base, master = servers[name]
            cpu = cpu_seconds(master)
            result = wrk(base + path, seconds, args.connections, args.threads)
            result["cpu_s"] = cpu_seconds(master) - cpu  # before the drain: only what wrk waited for
            drain(base)
            slices[name].append(result)
            print(f"  {name:5} {seconds:3d} s  {result['requests'] / (result['duration_us'] / 1e6):7.1f} req/s",
                  flush=True)
    out = {name: summarise(s) for name, s in slices.items()}
    # The two slices of a round are adjacent in time: their ratio is the one
    # least touched by the machine's drift (the other engineer's jobs, cron).
    out["round_ratios_requests_per_s"] = [
        round(o["requests"] / o["duration_us"] / (b["requests"] / b["duration_us"]), 3)
        for o, b in zip(slices["ours"], slices["stock"])]
    return out


def check_pages(pages: dict[str, str], servers: dict[str, tuple[str, int]], query: str) -> dict[str, Any]:
    """Every page answers 200 on both servers, and the query finds the same datasets on both."""
    for name, path in pages.items():
        for server, (base, _) in servers.items():
            r = requests.get(base + path, timeout=120, headers={"User-Agent": USER_AGENT})
            if r.status_code != 200:
                raise SystemExit(f"{server} answers {r.status_code} for {path}")
    found = {}
    for server, (base, _) in servers.items():
        r = requests.get(base + "/api/3/action/package_search", params={"q": query, "rows": 1000, "fl": "name"},
                         timeout=120)
        found[server] = sorted(d["name"] for d in r.json()["result"]["results"])
    if not found["ours"]:
        raise SystemExit(f"the query {query!r} finds no dataset: choose another with --query")
    if found["ours"] != found["stock"]:
        print(f"note: {query!r} finds {len(found['ours'])} datasets on ours, {len(found['stock'])} on stock",
              flush=True)
    return {server: len(names) for server, names in found.items()}


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0].strip()
    return {"cpus": os.cpu_count(), "cpu_model": model.group(1).strip() if model else platform.machine(),
            "ram_gib": round(int(mem.group(1)) / 1024 ** 2, 1) if mem else None,
            "python": platform.python_version(), "wrk": wrk_v, "load_average_at_start": os.getloadavg()}


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per page per server (default 30)")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections (default 20)")
    parser.add_argument("--slice", type=int, default=10, help="seconds per turn of one server (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unrecorded load per page and server")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (one is plenty at these rates)")
    parser.add_argument("--query", default="公園", help="search page query (must find demo datasets)")
    parser.add_argument("--dataset", default="t131148d0000000010", help="demo dataset of the dataset page")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "web.json"))
    args = parser.parse_args()

    try:
        if not answers(PORTAL_URL, timeout=30):
            raise OSError(PORTAL_URL)
        ours_master = int(PORTAL_PID.read_text())
    except (OSError, ValueError):
        raise SystemExit(f"the portal does not answer on {PORTAL_URL}: run bench/run.sh web (it runs scripts/up.sh)")
    OUT.mkdir(parents=True, exist_ok=True)
    pages = {"home": "/", "search": "/dataset/?q=" + urllib.parse.quote(args.query),
             "dataset": f"/dataset/{args.dataset}"}
    info = machine()
    settle(ours_master, WORKERS)
    wait_for_jobs(portal_settings()["ckan.redis.url"])

    port = free_port()
    stock = start_gunicorn(write_stock_ini(port), port)
    results: dict[str, Any] = {}
    try:
        settle(stock.pid, WORKERS)
        servers = {"ours": (PORTAL_URL, ours_master), "stock": (f"http://127.0.0.1:{port}", stock.pid)}
        found = check_pages(pages, servers, args.query)
        for name, path in pages.items():
            print(f"{name}: {path}", flush=True)
            results[name] = bench_page(path, servers, args)
    finally:
        stock.terminate()
        try:
            stock.wait(timeout=60)
        except subprocess.TimeoutExpired:
            stock.kill()

    failed = False
    print("\n| page | server | req/s | p50 | p99 | CPU/req | errors |\n|---|---|---:|---:|---:|---:|---:|")
    for name, by_server in results.items():
        for server in ("ours", "stock"):
            r = by_server[server]
            errors = sum(r["errors"].values())
            failed |= bool(errors or r["server_errors_5xx"])
            print(f"| {name} | {server} | {r['requests_per_s']} | {r['p50_ms']} ms | {r['p99_ms']} ms "
                  f"| {r['cpu_ms_per_request']} ms | {errors} |")
    print("\n| page | p50 ours/stock | p99 ours/stock | req/s ours/stock | req/s ours/stock per round | target |\n"
          "|---|---:|---:|---:|---|---|")
    for name, by_server in results.items():
        ours, base = by_server["ours"], by_server["stock"]
        by_server["ratio"] = {"p50": ratio(ours["p50_ms"], base["p50_ms"]), "p99": ratio(ours["p99_ms"], base["p99_ms"]),
                              "requests_per_s": ratio(ours["requests_per_s"], base["requests_per_s"])}
        rt = by_server["ratio"]
        if name in TARGET_PAGES:
            # Latency at most 1.2× stock, and so throughput at least 1/1.2 of it.
            met = (None not in rt.values() and rt["p50"] <= TARGET and rt["p99"] <= TARGET
                   and rt["requests_per_s"] >= 1 / TARGET)
            by_server["target_met"] = met
            verdict = f"≤ {TARGET} {'met' if met else 'NOT met'}"
        else:
            verdict = "(for comparison)"
        rounds = ", ".join(str(x) for x in by_server["round_ratios_requests_per_s"])
        print(f"| {name} | {rt['p50']} | {rt['p99']} | {rt['requests_per_s']} | {rounds} | {verdict} |")

    result = {
        "date": datetime.date.today().isoformat(), "machine": info,
        "set_up": {"workers_per_server": WORKERS, "connections": args.connections, "wrk_threads": args.threads,
                   "seconds_per_page_per_server": args.duration, "slice_seconds": args.slice,
                   "warmup_seconds": args.warmup, "stock_plugins": STOCK_PLUGINS, "pages": pages,
                   "datasets_found_by_query": found},
        "pages": results, "errors": failed,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwritten to {args.out}")
    if failed:
        print("ERROR: socket errors or non-2xx/3xx answers (see statuses in the JSON)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
