"""Helpers for the IndieAuth tests: PKCE pairs and codes made directly."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from starpunk.database import get_db
from starpunk.indieauth.authorize import AuthRequest, create_code, s256

CLIENT = "https://client.example/"
REDIRECT = "https://client.example/callback"


def pkce() -> tuple[str, str]:
    """A (verifier, S256 challenge) pair."""
    verifier = secrets.token_urlsafe(48)
    return verifier, s256(verifier)


def make_code(app: Flask, *, scope: str = "create update", challenge: str | None = None,
              client_id: str = CLIENT, redirect_uri: str = REDIRECT) -> str:
    """Issue a code as the consent page would."""
    with app.test_request_context():
        auth = AuthRequest(client_id, redirect_uri, "st", scope, challenge,
                           "S256" if challenge else None, "Client")
        return create_code(get_db(), auth, scope)


def redeem_form(code: str, verifier: str | None, **extra: Any) -> dict[str, Any]:
    """The token-endpoint form for ``code``."""
    form = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT,
            "redirect_uri": REDIRECT}
    if verifier is not None:
        form["code_verifier"] = verifier
    form.update(extra)
    return {k: v for k, v in form.items() if v is not None}
