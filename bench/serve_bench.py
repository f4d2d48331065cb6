"""Serve benchmark: StarPunk under gunicorn against the framework floor and the machine's ceiling.

Seeds N posts into a fresh data directory, then drives three servers on 127.0.0.1 with
`wrk` (Debian package), one after another, in ONE run:

* ``starpunk``: ``starpunk serve --workers 2`` on the seeded data (home page, a permalink,
  the RSS feed when it exists, and the home page with a conditional request);
* ``flask floor``: a bare Flask app returning the same home-page bytes under the same
  gunicorn settings;
* ``nginx ceiling``: nginx serving the same bytes as a static file.

It prints requests per second and the ratios StarPunk / floor and StarPunk / ceiling.
Absolute numbers drift between machines; the ratios are what to compare.

Usage: python3 bench/serve_bench.py [--posts 1000] [--seconds 5] [--connections 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(url: str, limit: float = 20) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"server at {url} did not come up")


def seed(data: Path, posts: int) -> str:
    """Create ``posts`` published notes; return one slug."""
    from starpunk.database import connect, db_path, migrate
    from starpunk.notes.store import create_note

    data.mkdir(parents=True, exist_ok=True)
    conn = connect(db_path(data))
    migrate(conn, data / ".migrate.lock")
    slug = ""
    for i in range(posts):
        note = create_note(
            conn, data,
            content=f"Benchmark note number {i} with a [link](https://example.com/{i}) and text.",
            tags=["bench", f"t{i % 10}"],
        )
        slug = note.slug
    conn.close()
    return slug


def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise SystemExit(f"wrk failed for {url}:\n{out}")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} error responses\n{out}")
    return float(match.group(1))


def start(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get install wrk nginx-light")

    work = Path(tempfile.mkdtemp(prefix="starpunk-bench-"))
    data = work / "data"
    print(f"seeding {args.posts} posts ...", flush=True)
    slug = seed(data, args.posts)
    env = {**os.environ, "DATA_PATH": str(data), "LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(ROOT), "SITE_URL": "http://127.0.0.1/"}
    results: dict[str, float] = {}

    port = free_port()
    server = start([sys.executable, "-m", "starpunk", "serve", "--port", str(port),
                    "--workers", "2"], env, work)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"{base}/health")
        home = requests.get(f"{base}/", timeout=5)
        body = home.content
        results["starpunk /"] = wrk(f"{base}/", args.seconds, args.connections)
        results["starpunk /notes/<slug>"] = wrk(f"{base}/notes/{slug}", args.seconds,
                                                 args.connections)
        if requests.get(f"{base}/feed.rss", timeout=5).status_code == 200:
            results["starpunk /feed.rss"] = wrk(f"{base}/feed.rss", args.seconds,
                                                args.connections)
        etag = home.headers.get("ETag")
        if etag:
            results["starpunk / (304)"] = wrk(f"{base}/", args.seconds, args.connections,
                                             header=f"If-None-Match: {etag}")
    finally:
        stop(server)

    (work / "page.html").write_bytes(body)
    work.chmod(0o755)  # nginx workers run as an unprivileged user and must read page.html
    (work / "floor.py").write_text(textwrap.dedent(f"""
        from pathlib import Path
        from flask import Flask, Response
        app = Flask(__name__)
        BODY = Path({str(work / 'page.html')!r}).read_bytes()
        @app.get("/")
        def index():
            return Response(BODY, mimetype="text/html")
    """))
    port = free_port()
    floor = start([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                   f"127.0.0.1:{port}", "floor:app"], env, work)
    try:
        wait_up(f"http://127.0.0.1:{port}/")
        results["flask floor /"] = wrk(f"http://127.0.0.1:{port}/", args.seconds,
                                       args.connections)
    finally:
        stop(floor)

    port = free_port()
    (work / "nginx.conf").write_text(textwrap.dedent(f"""
        worker_processes 2;
        daemon off;
        pid {work}/nginx.pid;
        error_log {work}/nginx-error.log;
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            client_body_temp_path {work}/tmp; proxy_temp_path {work}/tmp;
            fastcgi_temp_path {work}/tmp; uwsgi_temp_path {work}/tmp; scgi_temp_path {work}/tmp;
            server {{
                listen 127.0.0.1:{port};
                root {work};
                location = / {{ default_type text/html; try_files /page.html =404; }}
            }}
        }}
    """))
    (work / "tmp").mkdir()
    nginx = start(["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)], env, work)
    try:
        wait_up(f"http://127.0.0.1:{port}/")
        results["nginx ceiling /"] = wrk(f"http://127.0.0.1:{port}/", args.seconds,
                                         args.connections)
    finally:
        stop(nginx)

    floor_rps, ceiling_rps = results["flask floor /"], results["nginx ceiling /"]
    print(f"\n{args.posts} posts, wrk -t2 -c{args.connections} -d{args.seconds}s, 2 workers\n")
    print(f"{'target':<44}{'req/s':>10}{'/ floor':>10}{'/ ceiling':>11}")
    for name, rps in results.items():
        print(f"{name:<44}{rps:>10.0f}{rps / floor_rps:>10.2f}{rps / ceiling_rps:>11.3f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
