"""Fixtures for the feeds: a configured site, a post maker and helpers to edit and fetch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from starpunk.database import get_db
from starpunk.notes import Note, create_note, delete_note, undelete_note, update_note

SITE = "http://example.test/"
SITE_SETTINGS = {
    "SITE_URL": SITE,
    "SITE_NAME": "Ada's Notes",
    "SITE_AUTHOR": "Ada Lovelace",
    "SITE_DESCRIPTION": "Writing about engines.",
}


@pytest.fixture
def site(app_factory: Any) -> Flask:
    """The app with the owner's site settings."""
    return app_factory(**SITE_SETTINGS)


@pytest.fixture
def reader(site: Flask) -> FlaskClient:
    """An anonymous client of :func:`site`."""
    return site.test_client()


class Posts:
    """Create, edit, delete and restore posts in one app, as the owner would."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def _run(self, action: Callable[..., Note], *args: Any, **fields: Any) -> Note:
        with self.app.test_request_context():
            return action(get_db(), self.app.config["DATA_PATH"], *args, **fields)

    def create(self, content: str = "Hello world", **fields: Any) -> Note:
        """A new post (keyword arguments as for ``create_note``)."""
        return self._run(create_note, content=content, **fields)

    def update(self, slug: str, **fields: Any) -> Note:
        """Edit a post (keyword arguments as for ``update_note``)."""
        return self._run(update_note, slug, **fields)

    def delete(self, slug: str) -> Note:
        """Soft-delete a post."""
        return self._run(delete_note, slug)

    def undelete(self, slug: str) -> Note:
        """Restore a soft-deleted post."""
        return self._run(undelete_note, slug)


@pytest.fixture
def posts(site: Flask) -> Posts:
    """Post helpers for :func:`site`."""
    return Posts(site)
