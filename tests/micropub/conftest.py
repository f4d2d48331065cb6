"""Micropub fixtures: an app with syndication targets, real tokens, and helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from starpunk.database import get_db
from starpunk.indieauth.tokens import create_token

ALL_SCOPES = "create update delete undelete media"
TARGET = "https://social.example/@owner"


@pytest.fixture
def app(app_factory: Any) -> Flask:
    """The app with one syndication target configured."""
    return app_factory(SYNDICATE_TO=f"Social={TARGET}")


@pytest.fixture
def make_token(app: Flask) -> Callable[[str], str]:
    """Issue a real access token with the given scopes."""

    def make(scope: str = ALL_SCOPES) -> str:
        with app.app_context():
            _grant, raw = create_token(
                get_db(), scope=scope, client_id="https://client.example/",
                me=app.config["ADMIN_ME"],
            )
        return raw

    return make


@pytest.fixture
def token(make_token: Callable[[str], str]) -> str:
    """A token with every Micropub scope."""
    return make_token(ALL_SCOPES)


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    """The Authorization header for :func:`token`."""
    return {"Authorization": f"Bearer {token}"}


class Micropub:
    """Small helpers around the test client for Micropub requests."""

    def __init__(self, app: Flask, client: FlaskClient, headers: dict[str, str]) -> None:
        self.app, self.client, self.headers = app, client, headers

    def form(self, data: Any, headers: dict[str, str] | None = None) -> Any:
        """POST a form: a dict, a list of pairs (order kept) or an already encoded string."""
        if isinstance(data, list):
            data = MultiDict(data)
        return self.client.post(
            "/micropub", data=data, headers=self.headers if headers is None else headers,
            content_type="application/x-www-form-urlencoded",
        )

    def json(self, body: Any, headers: dict[str, str] | None = None) -> Any:
        return self.client.post("/micropub", json=body, headers=headers or self.headers)

    def query(self, **args: Any) -> Any:
        return self.client.get("/micropub", query_string=args, headers=self.headers)

    def create(self, properties: dict[str, list]) -> str:
        response = self.json({"type": ["h-entry"], "properties": properties})
        assert response.status_code == 201, response.get_json()
        return response.headers["Location"]

    def source(self, url: str) -> dict[str, list]:
        response = self.query(q="source", url=url)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["properties"]

    def note(self, url: str) -> Any:
        with self.app.app_context():
            from starpunk.notes import get_note

            return get_note(get_db(), url.rstrip("/").rsplit("/", 1)[1])

    def file_properties(self, url: str) -> dict[str, list]:
        """The ``properties`` line of the post's Markdown file, parsed."""
        for line in self.file_text(url).splitlines():
            if line.startswith("properties: "):
                return json.loads(line[len("properties: ") :])
        raise AssertionError("no properties line")

    def file_text(self, url: str) -> str:
        note = self.note(url)
        return (Path(self.app.config["DATA_PATH"]) / note.path).read_text()


@pytest.fixture
def mp(app: Flask, client: FlaskClient, auth: dict[str, str]) -> Micropub:
    """Micropub helpers authenticated with a full-scope token."""
    return Micropub(app, client, auth)
