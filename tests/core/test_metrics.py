"""``/metrics``: Prometheus text for loopback clients only, with real counters and gauges."""

from __future__ import annotations

import re

from flask import Flask

from starpunk.database import get_db
from starpunk.notes import create_note, delete_note


def sample(text: str, name: str) -> dict[str, float]:
    """Every sample of metric ``name`` as ``{labels: value}``."""
    return {labels: float(value) for labels, value in
            re.findall(rf"^{name}(\{{[^}}]*\}}|) (\S+)$", text, re.M)}


def test_metrics_count_requests_and_content(app: Flask) -> None:
    with app.app_context():
        data = app.config["DATA_PATH"]
        create_note(get_db(), data, content="One")
        create_note(get_db(), data, content="Two", status="draft")
        gone = create_note(get_db(), data, content="Three")
        delete_note(get_db(), data, gone.slug)
    client = app.test_client()
    client.get("/")
    client.get("/")
    client.get("/notes/missing")
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = resp.get_data(as_text=True)
    requests_ = sample(text, "starpunk_http_requests_total")
    assert [v for k, v in requests_.items() if 'code="200"' in k] == [2.0]
    assert [v for k, v in requests_.items() if 'code="404"' in k] == [1.0]
    assert sample(text, "starpunk_posts") == {'{state="deleted"}': 1, '{state="draft"}': 1,
                                              '{state="published"}': 1}
    cache = sample(text, "starpunk_page_cache_total")
    assert [v for k, v in cache.items() if "hit" in k] == [1.0]
    assert sample(text, "starpunk_media_files") == {"": 0.0}
    assert any('stat="created"' in k for k in sample(text, "starpunk_db_pool"))


def test_metrics_are_hidden_from_remote_clients(app_factory) -> None:  # noqa: ANN001
    app = app_factory()
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    # behind a trusted proxy the forwarded client address decides, not the proxy's
    proxied = app_factory(TRUSTED_PROXIES=1).test_client()
    resp = proxied.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.status_code == 404
    assert proxied.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
