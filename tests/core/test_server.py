"""`starpunk serve` for real: gunicorn, several workers, a fresh database, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

pytestmark = pytest.mark.slow

STARPUNK = [sys.executable, "-m", "starpunk"]
ROOT = Path(__file__).resolve().parents[2]


def start(data: Path, port: int, workers: int, **env: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATA_PATH": str(data),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.Popen(
        [*STARPUNK, "serve", "--port", str(port), "--workers", str(workers)],
        cwd=data.parent,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(port: int, limit: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"/health not 200 within {limit}s")


def stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=40)
    return output


def test_fresh_start_is_healthy_fast_and_stops_gracefully(tmp_path: Path) -> None:
    port = free_port()
    proc = start(tmp_path / "data", port, 2)
    try:
        elapsed = wait_healthy(port, 10)
        home = requests.get(f"http://127.0.0.1:{port}/health", timeout=2)
        assert home.headers["X-Request-ID"]
    finally:
        output = stop(proc)
    assert elapsed < 2.0, output
    assert proc.returncode == 0, output
    assert "Shutting down: Master" in output
    assert '"GET /health HTTP/1.1" 200' in output  # access log, without query strings
    assert (tmp_path / "data" / "starpunk.db").exists()
    assert (tmp_path / "data" / "secret.key").exists()


def test_bad_configuration_serves_nothing(tmp_path: Path) -> None:
    port = free_port()
    proc = start(tmp_path / "data", port, 1, LOG_LEVEL="LOUD", DB_POOL_SIZE="-3")
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert output.splitlines() == [
        "starpunk: LOG_LEVEL='LOUD' is not valid: expected one of DEBUG, INFO, WARNING, "
        "ERROR, CRITICAL.",
        "starpunk: DB_POOL_SIZE='-3' is not valid: expected a whole number from 1 to 100.",
    ]


def test_four_workers_on_a_fresh_database_migrate_exactly_once(tmp_path: Path) -> None:
    for run in range(6):
        data = tmp_path / f"run{run}" / "data"
        data.parent.mkdir()
        port = free_port()
        proc = start(data, port, 4)
        try:
            wait_healthy(port, 20)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                lines = (data / "logs" / "starpunk.log").read_text().splitlines()
                ready = [e for e in map(json.loads, lines) if e["msg"] == "starpunk ready"]
                if len(ready) == 5:  # four gunicorn workers and the job worker
                    break
                time.sleep(0.05)
        finally:
            output = stop(proc)
        log_text = (data / "logs" / "starpunk.log").read_text()
        entries = [json.loads(line) for line in log_text.splitlines()]
        applied = [e["migration"] for e in entries if e["msg"] == "migration applied"]
        assert len(applied) == len(set(applied)) > 0, applied
        assert len([e for e in entries if e["msg"] == "starpunk ready"]) == 5, output
        assert "Worker failed to boot" not in output and "Traceback" not in output, output
        assert proc.returncode == 0, output


def test_serve_runs_the_job_worker_that_pings_the_websub_hub(tmp_path: Path, httpserver) -> None:
    """A post made through Micropub on a running server reaches the hub via the job queue."""
    httpserver.expect_request("/hub", method="POST").respond_with_data("", status=202)
    data, port = tmp_path / "data", free_port()
    env = {"WEBSUB_HUB": httpserver.url_for("/hub"), "FETCH_ALLOW_PRIVATE": "true",
           "SITE_URL": f"http://127.0.0.1:{port}/"}
    token = subprocess.run(
        [*STARPUNK, "token", "create", "--scope", "create"], cwd=tmp_path, capture_output=True,
        text=True, timeout=60, env={**os.environ, "DATA_PATH": str(data), "PYTHONPATH": str(ROOT),
                                    **env}, check=True,
    ).stdout.strip()
    proc = start(data, port, 1, **env)
    try:
        wait_healthy(port, 10)
        created = requests.post(f"http://127.0.0.1:{port}/micropub", timeout=5,
                                data={"h": "entry", "content": "Hello hub"},
                                headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + 20
        while len(httpserver.log) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        output = stop(proc)
    topics = {request.form["hub.url"] for request, _response in httpserver.log}
    assert {request.form["hub.mode"] for request, _response in httpserver.log} == {"publish"}
    assert f"http://127.0.0.1:{port}/feed.atom" in topics, (topics, output)
    assert proc.returncode == 0, output
