"""DEV_MODE: a one-click login on localhost only, with a warning in the log and on every page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.helpers import csrf_token, set_owner_password


def _log(app) -> str:  # noqa: ANN001
    return (Path(app.config["DATA_PATH"]) / "logs" / "starpunk.log").read_text()


@pytest.mark.parametrize("site", ["http://localhost:8000/", "http://127.0.0.1/", "http://[::1]:5000/"])
def test_dev_login_on_localhost(app_factory, site: str) -> None:
    app = app_factory(DEV_MODE=True, SITE_URL=site)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Development login" in page and 'class="dev-banner"' in page
    resp = client.post("/auth/dev-login", data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 303
    assert client.get("/admin/").status_code == 200
    assert "DEV_MODE IS ON" in _log(app)
    assert "DEV_MODE login without a password" in _log(app)


def test_dev_login_needs_its_csrf_token(app_factory) -> None:
    client = app_factory(DEV_MODE=True, SITE_URL="http://localhost:8000/").test_client()
    client.get("/auth/login")
    for data in ({}, {"csrf_token": "forged"}):
        assert client.post("/auth/dev-login", data=data).status_code == 400
    assert client.get("/admin/").status_code == 302  # a cross-site form signed nobody in


def test_banner_is_on_every_page(app_factory) -> None:
    client = app_factory(DEV_MODE=True).test_client()
    for path in ("/auth/login", "/no-such-page"):
        assert 'class="dev-banner"' in client.get(path).get_data(as_text=True)


def test_dev_login_refused_on_a_public_site_url(app_factory) -> None:
    app = app_factory(DEV_MODE=True, SITE_URL="https://example.com/")
    set_owner_password(app)
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Development login" not in page
    assert "development login is disabled" in page  # the banner still warns
    assert client.post("/auth/dev-login", data={"csrf_token": csrf_token(client)}
                       ).status_code == 404
    assert client.get("/admin/").status_code == 302
    assert "the development login is DISABLED" in _log(app)


def test_no_dev_login_or_banner_without_dev_mode(app, client) -> None:  # noqa: ANN001
    set_owner_password(app)
    page = client.get("/auth/login").get_data(as_text=True)
    assert "dev-banner" not in page and "Development login" not in page
    assert client.post("/auth/dev-login", data={"csrf_token": csrf_token(client)}
                       ).status_code == 404
