"""Helpers for the media tests: real tokens and site paths."""

from __future__ import annotations

from flask import Flask

from starpunk.database import get_db
from starpunk.indieauth.tokens import create_token

CLIENT_ID = "https://client.example/"


def issue_token(app: Flask, scope: str = "media") -> str:
    """A real access token for ``app`` with ``scope`` (as `starpunk token create` makes)."""
    with app.app_context():
        _grant, raw = create_token(
            get_db(), scope=scope, client_id=CLIENT_ID, me=app.config["SITE_URL"]
        )
    return raw


def local_path(location: str) -> str:
    """The path of an absolute URL on the test site."""
    assert location.startswith("http://localhost/"), location
    return location[len("http://localhost"):]
