"""Validation benchmark: rows/s and peak memory of validate_file, CP932 and UTF-8.

Each measurement runs in a fresh process so that its peak RSS is its own.
Streaming means peak RSS must not grow with the file: compare 10k and 100k rows.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["全国地方公共団体コード", "ID", "地方公共団体名", "種別", "所在地_全国地方公共団体コード", "町字ID",
          "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下",
          "建物名等(方書)", "緯度", "経度", "口径", "備考"]


def make_csv(path: Path, rows: int, encoding: str) -> None:
    towns = [t["town"] for t in json.loads((ROOT / "schemas/vocab/nakano-towns.json").read_text("utf-8"))]
    with path.open("w", encoding=encoding, newline="") as out:
        out.write(",".join(HEADER) + "\r\n")
        for i in range(rows):
            town = towns[i % len(towns)]
            out.write(f"131148,{i + 1},東京都中野区,消火栓,131148,,東京都中野区{town}{i % 30 + 1}番,東京都,中野区,"
                      f"{town},{i % 30 + 1}番,,{35.69 + (i % 400) / 10000:.6f},{139.63 + (i % 500) / 10000:.6f},"
                      f"{(75, 100, 150)[i % 3]},\r\n")


CHILD = """
import resource, sys, time, json, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from ckanext.nakano.validation.runner import validate_file
start = time.perf_counter()
with tempfile.TemporaryDirectory() as out:
    report = validate_file(Path(sys.argv[1]), filename="131148_fire_hydrant.csv", out_dir=Path(out),
                           standard=sys.argv[2], declared_encoding=sys.argv[3] or None)
print(json.dumps({"seconds": time.perf_counter() - start, "rows": report.rows, "status": report.status,
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def measure(path: Path, declared: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), "fire_hydrant", declared,
                          str(ROOT / "ckanext-nakano")], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for encoding in ("cp932", "utf-8"):
            for rows in (10_000, 100_000):
                path = Path(tmp) / f"{encoding}-{rows}.csv"
                make_csv(path, rows, encoding)
                r = measure(path, "Shift_JIS" if encoding == "cp932" else "UTF-8")
                assert r["rows"] == rows, r
                r["rows_per_s"] = rows / r["seconds"]
                r["mb"] = path.stat().st_size / 1e6
                results[f"{encoding} {rows}"] = r
    print(f"{'file':18}{'MB':>7}{'status':>9}{'rows/s':>10}{'peak RSS MB':>13}")
    for key, r in results.items():
        print(f"{key:18}{r['mb']:>7.1f}{r['status']:>9}{r['rows_per_s']:>10.0f}{r['maxrss_kb'] / 1024:>13.1f}")
    for encoding in ("cp932", "utf-8"):
        ratio = results[f"{encoding} 100000"]["maxrss_kb"] / results[f"{encoding} 10000"]["maxrss_kb"]
        print(f"peak RSS 100k / 10k ({encoding}): {ratio:.2f}  (target ≤ 1.5)")
    out = ROOT / "bench" / "results" / "validation.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
