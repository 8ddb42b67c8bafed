"""bench/scale/catalog.py, the catalog-at-scale benchmark (issue 22), in its 2,000-dataset
form: so that the script behind bench/README.md "catalog at scale" cannot rot. Only what
it did is checked, never how fast (timings are compared within a benchmark's own run)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]

pytestmark = pytest.mark.services


def test_quick_catalog_benchmark_builds_2000_datasets_and_measures_every_page(tmp_path):
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKAN_")}   # the benchmark's own portal
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "scale" / "catalog.py"), "--quick",
                           "--out", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    steps = report["steps"]
    assert list(steps) == ["200", "2000"]
    assert steps["200"]["creation"]["created"] == 200 and steps["2000"]["creation"]["created"] == 1800
    assert steps["2000"]["creation"]["sql_per_dataset"] > 0
    for size, step in steps.items():
        assert len(step["pages"]) == 15 and all(p["n"] == 3 for p in step["pages"].values()), size
        assert step["sitemap"]["all_listed"] and step["sitemap"]["urls"] >= int(size), step["sitemap"]
        assert step["dcat"]["last"]["page"] == int(size) // 100 and step["dcat"]["last"]["bytes"] > 1000
    # CKAN's rebuilds ran at the first step, ours at both, the search answering throughout; ours
    # and CKAN's rebuild indexed every dataset again (rebuild-fast's outcome is recorded as it is:
    # docs/scaling.md).
    assert "exit" in steps["200"]["rebuild_fast"]
    for size, rebuild in (("200", "rebuild"), ("200", "nakano_rebuild"), ("2000", "nakano_rebuild")):
        found = steps[size][rebuild]
        assert found["exit"] == 0 and found["complete"], (size, rebuild, found)
        assert found["reads"] >= 1 and found["empty_or_failed"] == 0 and found["min_count"] == int(size), found
    assert set(report["ratios_p95"]["2000"]) == set(steps["2000"]["pages"])
