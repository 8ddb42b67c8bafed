"""Two stateless CKAN web nodes behind one nginx (docs/scaling.md).

On the portal of ``make up``: two gunicorns ("nodes", one worker each, no
shared memory, each its own process tree) on one ini whose uploads go to an
S3 bucket (``scripts/services.sh start s3``), and the production nginx
(``scripts/services.sh start nginx`` in a folder of its own, the template of
docker/nginx) in front of them — first with node A alone in its upstream,
then with A and B. Checked: a session made by logging in through nginx is
honoured by each node on its own (signed cookies, no server-side session);
a file uploaded through node A is downloaded through node B (the bucket is
shared). Measured: wrk on the search page through nginx, one node vs two,
and how nginx spread the requests.

Run through ``bench/run.sh scale`` or alone with the portal up.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
from run import LOCAL, bench_web, free_port, gunicorn, save  # noqa: E402
from storage import s3_ini  # noqa: E402

SECONDS = 20


def login(base: str, name: str, password: str) -> requests.Session:
    browser = requests.Session()

    def keep_session(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        found = re.match(r"ckan=([^;]+)", response.headers.get("Set-Cookie", ""))   # "Domain=" empty: as a browser
        if found:
            browser.cookies.set("ckan", found.group(1))

    browser.hooks["response"].append(keep_session)
    page = browser.get(base + "/user/login", timeout=60).text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    done = browser.post(base + "/user/login", data={"login": name, "password": password, "_csrf_token": token},
                        allow_redirects=False, timeout=60)
    assert done.status_code == 302, done.status_code
    return browser


def wrk(url: str) -> dict[str, Any]:
    run = subprocess.run(["wrk", "-t", "2", "-c", "20", "-d", f"{SECONDS}s", "--latency",
                          "-H", "User-Agent: nakano-bench-nodes (wrk; monitor)", url],
                         capture_output=True, text=True, timeout=SECONDS + 120)
    rps = float(next(line.split()[1] for line in run.stdout.splitlines() if line.startswith("Requests/sec")))
    non2xx = sum(int(line.split()[-1]) for line in run.stdout.splitlines() if "Non-2xx" in line)
    p99 = next((line.split()[1] for line in run.stdout.splitlines() if line.strip().startswith("99%")), "")
    return {"requests_per_s": rps, "non_2xx": non2xx, "p99": p99}


def access_lines(name: str) -> int:
    """Search pages a node answered: CKAN logs one line per request ("200 /dataset/ render time")."""
    log = bench_web.OUT / f"{name}.log"   # bench/web's gunicorn starter captures CKAN's log there
    if not log.exists():
        return 0
    return sum(1 for line in log.open(errors="replace") if re.search(r"\]\s+\d{3} /dataset/ render time", line))


def main() -> dict[str, Any]:
    ini, bucket, client = s3_ini("nodes")
    front = LOCAL / "bench" / "nodes-nginx"
    shutil.rmtree(front, ignore_errors=True)
    nodes: dict[str, Any] = {}
    env: dict[str, str] = {}
    report: dict[str, Any] = {}
    try:
        for name in ("a", "b"):
            nodes[name] = gunicorn(ini, 1, f"node-{name}")
        port_a, port_b = (url.rsplit(":", 1)[1] for _, url in nodes.values())
        env = dict(os.environ, NAKANO_LOCAL=str(front), NAKANO_NGINX_PORT=str(free_port()), NAKANO_CKAN_PORT=port_a)
        subprocess.run([str(ROOT / "scripts" / "services.sh"), "start", "nginx"], env=env, check=True)
        via = f"http://127.0.0.1:{env['NAKANO_NGINX_PORT']}"
        page = via + "/dataset/?q=" + quote("公園")
        for _ in range(20):
            requests.get(page, timeout=60)

        before = {n: access_lines(f"node-{n}") for n in nodes}
        report["one_node"] = wrk(page)
        report["one_node"]["served"] = {n: access_lines(f"node-{n}") - before[n] for n in nodes}

        # Node B joins the upstream, as compose --scale adds a replica; nginx reloads.
        conf = front / "nginx" / "conf.d" / "default.conf"
        text = conf.read_text()
        conf.write_text(text.replace(f"server 127.0.0.1:{port_a};", f"server 127.0.0.1:{port_a};\n"
                                                                    f"    server 127.0.0.1:{port_b};"))
        subprocess.run(["nginx", "-p", str(front / "nginx"), "-c", str(front / "nginx" / "nginx.conf"), "-s",
                        "reload"], check=True)
        for _ in range(20):
            requests.get(page, timeout=60)
        before = {n: access_lines(f"node-{n}") for n in nodes}
        report["two_nodes"] = wrk(page)
        report["two_nodes"]["served"] = {n: access_lines(f"node-{n}") - before[n] for n in nodes}
        report["throughput_ratio"] = round(report["two_nodes"]["requests_per_s"]
                                           / report["one_node"]["requests_per_s"], 2)

        # Stateless: a session made through nginx works on each node alone.
        password = (LOCAL / "admin-password").read_text().strip()
        browser = login(via, "admin", password)
        report["session_on_each_node"] = all(
            "/user/edit/admin" in browser.get(url + "/dashboard/datasets", timeout=60).text
            for _, url in nodes.values())
        # Shared files: uploaded through A, downloaded through B.
        token = (LOCAL / "admin-api-token").read_text().strip()
        url_a, url_b = nodes["a"][1], nodes["b"][1]
        pkg = requests.post(url_a + "/api/3/action/package_create", headers={"Authorization": token}, json={
            "name": f"bench-nodes-{secrets.token_hex(4)}", "title": "二台のウェブ", "notes": "ベンチマーク",
            "owner_org": "kikaku", "category": "その他", "license_id": "cc-by", "private": True},
            timeout=60).json()["result"]
        try:
            data = "名称,所在地\n中野区役所,中野4-11-19\n".encode()
            made = requests.post(url_a + "/api/3/action/resource_create", headers={"Authorization": token},
                                 data={"package_id": pkg["id"], "name": "nodes.csv", "format": "CSV"},
                                 files={"upload": ("nodes.csv", data)}, timeout=60).json()["result"]
            link = made["url"].replace(made["url"].split("/dataset/")[0], url_b)
            got = requests.get(link, headers={"Authorization": token}, timeout=60)
            report["upload_on_a_download_on_b"] = got.status_code == 200 and got.content == data
        finally:
            requests.post(url_a + "/api/3/action/dataset_purge", headers={"Authorization": token},
                          json={"id": pkg["id"]}, timeout=60)
        return report
    finally:
        if env:
            subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop", "nginx"], env=env)
        for proc, _ in nodes.values():
            proc.terminate()
            proc.wait(timeout=60)
        for page_ in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page_.get("Contents", []):
                client.delete_object(Bucket=bucket, Key=item["Key"])
        client.delete_bucket(Bucket=bucket)


if __name__ == "__main__":
    save("nodes", main())
