"""Errors, logging with correlation ids, health and security headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from starpunk.csrf import csrf
from starpunk.database import get_db
from starpunk.errors import BadRequest, InsufficientScope


def log_lines(app: Flask) -> list[dict]:
    path = Path(app.config["DATA_PATH"]) / "logs" / "starpunk.log"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def app(app_factory) -> Flask:
    app = app_factory()

    @app.get("/api/bad")
    def api_bad() -> str:
        raise BadRequest("The q parameter is missing.")

    @app.get("/micropub-test")
    def micropub_scope() -> str:
        raise InsufficientScope("This token may not create posts.")

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    @app.post("/write-then-boom")
    @csrf.exempt
    def write_then_boom() -> str:
        db = get_db()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO jobs (kind) VALUES ('x')")
        raise RuntimeError("failed half way")

    return app


def test_api_paths_get_json_errors(client) -> None:
    response = client.get("/api/bad", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert response.json == {
        "error": "invalid_request",
        "error_description": "The q parameter is missing.",
    }


def test_insufficient_scope_is_401_json_for_micropub(client) -> None:
    response = client.get("/micropub-test")
    assert response.status_code == 401
    assert response.json["error"] == "insufficient_scope"


def test_browsers_get_a_themed_html_page(client) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"Page not found" in response.data and b"<!DOCTYPE html>" in response.data


def test_json_preferring_clients_get_json(client) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 429, 500, 503])
def test_every_error_status_has_a_page(app: Flask, status: int) -> None:
    from flask import abort

    @app.get(f"/status/{status}")
    def raise_status() -> str:
        abort(status)

    response = app.test_client().get(f"/status/{status}")
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f'<p class="error-status">{status}</p>'.encode() in response.data


def test_405_names_the_allowed_methods(client) -> None:
    response = client.post("/health")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_500_hides_the_traceback_and_logs_it(app: Flask, client) -> None:
    response = client.get("/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert b"Traceback" not in response.data and b"secret internals" not in response.data
    entry = next(e for e in log_lines(app) if e["msg"] == "unhandled error")
    assert entry["request_id"] == "req-500" and entry["level"] == "ERROR"
    assert "RuntimeError" in entry["exc"]
    assert "hunter2" not in json.dumps(log_lines(app))


def test_forms_without_a_csrf_token_are_refused(app: Flask) -> None:
    @app.post("/form")
    def form() -> str:
        return "accepted"

    response = app.test_client().post("/form", data={"x": "1"}, headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert b"CSRF" in response.data


def test_500_rolls_back_the_open_transaction(app: Flask, client) -> None:
    assert client.post("/write-then-boom").status_code == 500
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM jobs").fetchone()[0] == 0


def test_request_id_is_echoed_and_logged(app: Flask, client) -> None:
    response = client.get("/api/bad", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    failed = [e for e in log_lines(app) if e["msg"] == "request failed"]
    assert failed[-1]["request_id"] == "abc-123"


@pytest.mark.parametrize(
    "garbage", ["x" * 65, "bad\x01id", "two words", "<script>", "ünïcode", ""]
)
def test_garbage_request_ids_are_replaced(client, garbage: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": garbage})
    echoed = response.headers["X-Request-ID"]
    assert echoed != garbage
    assert len(echoed) == 16 and echoed.isalnum()


def test_each_request_gets_its_own_id(client) -> None:
    ids = {client.get("/health").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_startup_records_carry_init(app: Flask) -> None:
    ready = next(e for e in log_lines(app) if e["msg"] == "starpunk ready")
    assert ready["request_id"] == "init"
    assert ready["level"] == "INFO" and ready["logger"] == "starpunk"


def test_credentials_are_masked_even_when_a_message_carries_them(app: Flask) -> None:
    import logging

    logging.getLogger("starpunk.test").warning(
        "oops Authorization: Bearer abc.def access_token=tok123&code=c0de password: pw"
    )
    text = (Path(app.config["DATA_PATH"]) / "logs" / "starpunk.log").read_text()
    for secret in ("abc.def", "tok123", "c0de", " pw"):
        assert secret not in text
    assert "[redacted]" in text


def test_credentials_in_extra_fields_are_masked(app: Flask) -> None:
    import logging

    logging.getLogger("starpunk.test").warning("extras", extra={
        "code": "c0de-extra", "Authorization": "Bearer xyz789", "note": "token=t0k-in-text",
        "client_id": "https://client.example/"})
    text = (Path(app.config["DATA_PATH"]) / "logs" / "starpunk.log").read_text()
    for secret in ("c0de-extra", "xyz789", "t0k-in-text"):
        assert secret not in text
    assert "https://client.example/" in text


def test_health_reports_ok(client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok" and body["version"]
    assert body["checks"] == {"database": "ok", "data_path": "ok"}


def test_health_is_503_when_data_path_is_unwritable(app: Flask, client, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    app.config["DATA_PATH"] = blocker / "gone"
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["checks"]["data_path"] == "failing"


def test_security_headers_on_every_response(client) -> None:
    for path in ("/health", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "camera=()" in headers["Permissions-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'self'"):
            assert directive in csp
    assert "Strict-Transport-Security" not in headers


def test_hsts_when_served_over_https(app_factory) -> None:
    app = app_factory(SITE_URL="https://example.com/")
    assert "max-age" in app.test_client().get("/health").headers["Strict-Transport-Security"]


def test_forwarded_headers_ignored_unless_trusted(app_factory) -> None:
    def seen(app: Flask) -> str:
        @app.get("/api/whoami")
        def whoami() -> str:
            from flask import request

            return f"{request.scheme} {request.remote_addr}"

        return app.test_client().get(
            "/api/whoami",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        ).text

    assert seen(app_factory()) == "http 127.0.0.1"
    assert seen(app_factory(TRUSTED_PROXIES=1)) == "https 203.0.113.9"


def test_importing_modules_has_no_side_effects(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import importlib, logging, pkgutil, starpunk\n"
        "for m in pkgutil.walk_packages(starpunk.__path__, 'starpunk.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(len(logging.getLogger('starpunk').handlers))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, check=True,
    )
    assert result.stdout.strip() == "0"
    assert list(tmp_path.iterdir()) == []
