"""What the benchmarks that build a portal of their own share: percentiles, a bench ini
over test.ini, the portal loaded in-process, the site user's context."""
from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def figures(values: list[float], digits: int = 2) -> dict[str, float]:
    """Count, median and 95th percentile of durations in seconds, in milliseconds."""
    return {"n": len(values), "p50_ms": round(1000 * statistics.median(values), digits),
            "p95_ms": round(1000 * pct(values, 0.95), digits)}


def machine() -> dict[str, Any]:
    return {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "processor": next((line.split(":", 1)[1].strip() for line in
                               Path("/proc/cpuinfo").read_text().splitlines()
                               if line.startswith("model name")), platform.machine())}


def write_ini(folder: Path, jobs_db_uri: str, *settings: str) -> Path:
    """``folder``/bench.ini: test.ini (the portal's settings) with the portal's built assets,
    the xloader jobs table in the benchmark's own database, ``settings`` (``key = value``
    lines), and test.ini's logging sections (gunicorn reads them)."""
    test_ini = (ROOT / "test.ini").read_text(encoding="utf-8")
    path = folder / "bench.ini"
    lines = ["ckanext.nakano.webassets.check_sources = false", f"ckanext.xloader.jobs_db.uri = {jobs_db_uri}",
             *settings]
    path.write_text(f"[app:main]\nuse = config:{ROOT / 'test.ini'}\n" + "\n".join(lines) + "\n\n"
                    + test_ini[test_ini.index("[loggers]"):], encoding="utf-8")
    return path


def load_portal(ini: Path, env: dict[str, str]) -> Any:
    """The portal's Flask app in this process, on the benchmark's services (``env``)."""
    os.environ.update(env)
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    app = make_app(load_config(str(ini)))
    return app._wsgi_app if hasattr(app, "_wsgi_app") else app


def site_context() -> dict[str, Any]:
    import ckan.plugins.toolkit as tk
    return {"ignore_auth": True, "user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}
