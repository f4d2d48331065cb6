"""Media test fixtures: real bearer tokens and an upload helper for the media endpoint."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.media.helpers import issue_token


@pytest.fixture
def make_token(app: Flask) -> Callable[[str], str]:
    """Issue real access tokens with the given scopes."""
    return lambda scope="media": issue_token(app, scope)


@pytest.fixture
def token(make_token: Callable[[str], str]) -> str:
    """A token with the ``media`` scope."""
    return make_token("media")


@pytest.fixture
def upload(client: Any, token: str) -> Callable[..., TestResponse]:
    """POST bytes to the media endpoint as one multipart ``file`` part."""

    def post(
        data: bytes, filename: str = "photo.jpg", content_type: str = "image/jpeg",
        bearer: str | None = None, **extra: Any,
    ) -> TestResponse:
        headers = {"Authorization": f"Bearer {bearer or token}"} if bearer != "" else {}
        form = {"file": (io.BytesIO(data), filename, content_type), **extra}
        return client.post("/micropub/media", data=form, headers=headers,
                           content_type="multipart/form-data")

    return post
