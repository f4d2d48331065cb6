"""Shared fixtures: an app on a fresh data directory, its client and CLI runner."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from starpunk import create_app
from starpunk.database import get_pool
from starpunk.logging import close_logging

TEST_SECRET = "test-secret-" + "x" * 40


def make_config(data_path: Path, **overrides: Any) -> dict[str, Any]:
    """A complete test configuration on ``data_path``."""
    config: dict[str, Any] = {
        "SITE_URL": "http://localhost/",
        "SITE_NAME": "Test Site",
        "SITE_AUTHOR": "Test Owner",
        "DATA_PATH": str(data_path),
        "SESSION_SECRET": TEST_SECRET,
        "LOG_LEVEL": "DEBUG",
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator[Any]:
    """Build apps on ``tmp_path/data`` (or elsewhere); every pool and log file is closed after."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        data_path = Path(overrides.pop("DATA_PATH", tmp_path / "data"))
        app = create_app(make_config(data_path, **overrides))
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield factory
    for app in apps:
        get_pool(app).close()
    close_logging()


@pytest.fixture
def app(app_factory: Any) -> Flask:
    """The app on a fresh temporary data directory."""
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for :func:`app`."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    """A CLI runner for :func:`app`."""
    return app.test_cli_runner()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], port: int, cwd: Path, workers: int = 2) -> Iterator[str]:
    """``starpunk serve`` on 127.0.0.1:``port``; yields its URL once ``/health`` answers 200.

    ``env`` is the whole environment (settings included); SIGTERM stops it at the end.
    """
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "starpunk", "serve", "--port", str(port), "--workers",
         str(workers)], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + "health", timeout=0.5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)
