"""Fixtures for the public site: an app with a full h-card configuration and a post maker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from starpunk.database import get_db
from starpunk.notes import Note, create_note

SITE = "http://example.test/"
SITE_SETTINGS = {
    "SITE_URL": SITE,
    "SITE_NAME": "Ada's Notes",
    "SITE_AUTHOR": "Ada Lovelace",
    "SITE_DESCRIPTION": "Writing about engines.",
    "AUTHOR_PHOTO": "https://example.test/ada.jpg",
    "REL_ME": "https://github.com/ada https://social.example/@ada",
    "POSTS_PER_PAGE": 5,
}


@pytest.fixture
def site(app_factory: Any) -> Flask:
    """The app with the owner's h-card settings and five posts per page."""
    return app_factory(**SITE_SETTINGS)


@pytest.fixture
def post(site: Flask) -> Callable[..., Note]:
    """Create a post in ``site`` (keyword arguments as for ``create_note``)."""

    def make(content: str = "Hello world", **fields: Any) -> Note:
        with site.app_context():
            return create_note(get_db(), site.config["DATA_PATH"], content=content, **fields)

    return make
