"""What being harvestable costs (issue 17), measured in one process on the
portal's demo catalog (`make up`), each pair interleaved round by round:

- ``package_search`` of 100 datasets and ``package_show`` of each demo
  dataset, with the ward fields mirrored into ``extras`` (as served) vs the
  same action with the mirror switched off in this process;
- one page of ``/catalog.ttl`` (100 datasets): serialized with the Turtle
  that keeps the order of distributions (``dcat/ordered_turtle.py``) vs rdflib's own.

Targets: each ratio ≤ 1.10. Run through ``bench/run.sh interop``; the JSON goes
to bench/results/.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any, Callable

from rdflib import plugin
from rdflib.serializer import Serializer

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

ROOT = Path(__file__).resolve().parents[2]
LOCAL = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local"))
TARGET = 1.10


def _median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 2)


def pair(rounds: int, first: Callable[[], Any], second: Callable[[], Any]) -> tuple[list[float], list[float]]:
    """Both callables timed ``rounds`` times, alternating which goes first."""
    a, b = [], []
    for n in range(rounds):
        order = ((first, a), (second, b)) if n % 2 == 0 else ((second, b), (first, a))
        for call, times in order:
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
    return a, b


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    ini = str(LOCAL / "ckan.ini")
    app = make_app(CKANConfigLoader(ini).get_config())
    with app._wsgi_app.test_request_context():
        import ckan.plugins.toolkit as tk
        from ckanext.dcat.processors import RDFSerializer

        from ckanext.nakano import extras_mirror

        context = lambda: {"ignore_auth": True, "user": ""}  # noqa: E731
        search = tk.get_action("package_search")
        show = tk.get_action("package_show")
        names = [d["name"] for d in search(context(), {"rows": 1000, "fl": "name"})["results"]]
        assert len(names) >= 40, f"the demo catalog is not loaded ({len(names)} datasets): run make up"

        hooks = ("add_extras", "with_extras")
        real = {name: getattr(extras_mirror, name) for name in hooks}

        def mirrored(call: Callable[[], Any]) -> Callable[[], Any]:
            return call

        def bare(call: Callable[[], Any]) -> Callable[[], Any]:
            def run() -> Any:
                for name in hooks:
                    setattr(extras_mirror, name, lambda d: d)
                try:
                    return call()
                finally:
                    for name in hooks:
                        setattr(extras_mirror, name, real[name])
            return run

        def search_page() -> Any:
            return search(context(), {"q": "*:*", "rows": 100})

        def show_all() -> None:
            for name in names:
                show(context(), {"id": name})

        figures: dict[str, Any] = {}
        for label, call in (("package_search, 100 datasets", search_page),
                            (f"package_show, each of {len(names)} datasets", show_all)):
            on, off = pair(args.rounds, mirrored(call), bare(call))
            figures[label] = {"with extras": _median_ms(on), "without": _median_ms(off),
                              "ratio": round(statistics.median(on) / statistics.median(off), 3)}

        page = search_page()["results"]

        def serialize(kind: str) -> Callable[[], Any]:
            module, name = (("ckanext.nakano.dcat.ordered_turtle", "OrderedTurtleSerializer") if kind == "ordered" else
                            ("rdflib.plugins.serializers.turtle", "TurtleSerializer"))

            def run() -> Any:
                plugin.register("turtle", Serializer, module, name)
                return RDFSerializer(profiles=["euro_dcat_ap_3", "nakano"]).serialize_catalog(
                    {}, page, _format="turtle")
            return run

        ordered, stock = pair(max(5, args.rounds // 3), serialize("ordered"), serialize("stock"))
        plugin.register("turtle", Serializer, "ckanext.nakano.dcat.ordered_turtle", "OrderedTurtleSerializer")
        figures[f"catalog page of {len(page)} datasets, Turtle"] = {
            "order kept": _median_ms(ordered), "rdflib's": _median_ms(stock),
            "ratio": round(statistics.median(ordered) / statistics.median(stock), 3)}

    result = {"benchmark": "interop", "date": datetime.date.today().isoformat(), "machine": platform.platform(),
              "cpus": os.cpu_count(), "rounds": args.rounds, "figures": figures, "target_ratio": TARGET}
    out = ROOT / "bench" / "results" / f"interop-{datetime.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    for label, values in figures.items():
        verdict = "✔" if values["ratio"] <= TARGET else "✘"
        print(f"{label}: {values} {verdict}")
    return 0 if all(v["ratio"] <= TARGET for v in figures.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
