"""Authorization is structural: every /admin route refuses strangers and forged forms."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from tests.auth.helpers import csrf_token, login_owner, set_owner_password

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def admin_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, concrete URL) under /admin, with sample values for the URL parts."""
    from werkzeug.routing import IntegerConverter, PathConverter

    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        values = {}
        for arg in rule.arguments:
            converter = rule._converters[arg]
            if isinstance(converter, IntegerConverter):
                values[arg] = 1
            elif isinstance(converter, PathConverter):
                values[arg] = "a/b"
            else:
                values[arg] = "some-slug"
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


def test_the_walk_finds_the_admin(app: Flask) -> None:
    routes = admin_routes(app)
    assert ("GET", "/admin/") in routes
    assert ("POST", "/admin/new") in routes
    assert sum(method in UNSAFE for method, _ in routes) >= 5


def test_every_admin_route_refuses_an_anonymous_request(app: Flask) -> None:
    set_owner_password(app)
    client = app.test_client()
    token = csrf_token(client)  # a valid form token: the refusal below is the auth check's
    for method, url in admin_routes(app):
        resp = client.open(url, method=method, data={"csrf_token": token})
        if method == "GET":
            assert resp.status_code == 302, (method, url)
            target = urlsplit(resp.headers["Location"])
            assert target.path == "/auth/login", (method, url)
            assert parse_qs(target.query)["next"] == [url], (method, url)
        else:
            assert resp.status_code in (401, 403), (method, url, resp.status_code)


FORGED = "IjAwMCI.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.mark.parametrize("token", [None, "", "forged", FORGED])
def test_every_admin_post_refuses_a_missing_or_wrong_csrf_token(app: Flask,
                                                                token: str | None) -> None:
    client = app.test_client()
    login_owner(app, client)
    for method, url in admin_routes(app):
        if method not in UNSAFE:
            continue
        data = {} if token is None else {"csrf_token": token}
        resp = client.open(url, method=method, data={**data, "content": "x", "action": "publish"})
        assert resp.status_code == 400, (method, url, resp.status_code)
    assert client.get("/admin/").status_code == 200  # still signed in, nothing changed


def test_a_token_from_another_session_is_refused(app: Flask) -> None:
    owner, other = app.test_client(), app.test_client()
    login_owner(app, owner)
    foreign = csrf_token(other)
    resp = owner.post("/admin/new", data={"csrf_token": foreign, "content": "x",
                                          "action": "publish"})
    assert resp.status_code == 400


def test_admin_pages_are_not_cached(app: Flask, client) -> None:  # noqa: ANN001
    login_owner(app, client)
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"
