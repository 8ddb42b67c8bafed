"""Page weight benchmark: bytes a real Chromium transfers for the home page on a
first visit (empty cache) and a second one, and first contentful paint, through
the portal's nginx (as residents get it) and straight from gunicorn (no nginx),
measured in the same run.

It runs the browser suite's scenario ckanext/nakano/tests/browser/weight.mjs
(Debian's chromium driven by playwright-core) once per front and reads its
result line. Targets: home ≤ 400 KB on the first visit and ≤ 50 KB on the
second, through nginx. FCP is reported, not judged (it depends on the machine).

Run through bench/run.sh weight (brings the portal up with scripts/up.sh);
honours NAKANO_LOCAL and NAKANO_*_PORT as the service scripts do.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
SCENARIO = ROOT / "ckanext-nakano" / "ckanext" / "nakano" / "tests" / "browser" / "weight.mjs"
MARK = "NAKANO-BROWSER-RESULT "
FRONTS = {
    "nginx": f"http://127.0.0.1:{os.environ.get('NAKANO_NGINX_PORT', '8080')}",
    "gunicorn": f"http://127.0.0.1:{os.environ.get('NAKANO_CKAN_PORT', '5000')}",
}
LIMITS = {"first": 400 * 1024, "second": 50 * 1024}


def measure(url: str, artifacts: Path) -> dict[str, Any]:
    """One run of weight.mjs against ``url``; its ``weight`` figures."""
    artifacts.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, BASE_URL=url, ARTIFACTS=str(artifacts), NAKANO_ROOT=str(ROOT),
               CHROMIUM=os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
    done = subprocess.run(["node", str(SCENARIO)], env=env, capture_output=True, text=True, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if not lines:
        raise SystemExit(f"weight.mjs gave no result ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    result = json.loads(lines[-1][len(MARK):])
    if result.get("fatal") or "weight" not in result.get("info", {}):
        raise SystemExit(f"weight.mjs failed: {result.get('fatal') or result.get('checks')}")
    return result["info"]["weight"]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{os.cpu_count()} vCPU {cpu}, {memory} GiB RAM, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per front (a fresh browser each); medians reported")
    args = parser.parse_args()
    figures: dict[str, list[dict[str, Any]]] = {}
    for front, url in FRONTS.items():
        figures[front] = [measure(url, LOCAL / "bench" / "weight" / f"{front}-{n}") for n in range(args.rounds)]

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[len(ordered) // 2]

    rows = []
    for front, runs in figures.items():
        for visit in ("first", "second"):
            rows.append({"front": front, "visit": visit,
                         "kb": median([r[visit]["bytes"] for r in runs]) / 1024,
                         "requests": median([r[visit]["fromNetwork"] for r in runs]),
                         "fcp_ms": median([r[visit]["fcpMs"] or 0 for r in runs])})
        for index, other in enumerate(runs[0]["others"]):
            rows.append({"front": front, "visit": f"{other['path']} after home",
                         "kb": median([r["others"][index]["bytes"] for r in runs]) / 1024,
                         "requests": median([r["others"][index]["fromNetwork"] for r in runs]),
                         "fcp_ms": median([r["others"][index]["fcpMs"] or 0 for r in runs])})
    print(f"Page weight — {datetime.date.today()}, {machine()}, {args.rounds} rounds, medians")
    print(f"{'front':9} {'visit':22} {'KB transferred':>15} {'requests':>9} {'FCP ms':>7}")
    for row in rows:
        print(f"{row['front']:9} {row['visit']:22} {row['kb']:15.1f} {row['requests']:9d} {row['fcp_ms']:7.0f}")
    nginx = {row["visit"]: row["kb"] * 1024 for row in rows if row["front"] == "nginx"}
    verdicts = {visit: nginx[visit] <= limit for visit, limit in LIMITS.items()}
    for visit, ok in verdicts.items():
        print(f"home {visit} visit through nginx ≤ {LIMITS[visit] // 1024} KB: {'✔' if ok else '✘'}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"weight-{datetime.datetime.now():%Y%m%d-%H%M%S}.json").write_text(
        json.dumps({"machine": machine(), "rows": rows, "runs": figures}, ensure_ascii=False, indent=1))
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
