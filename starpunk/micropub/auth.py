"""Who is calling: the bearer token from the ``Authorization`` header or ``access_token`` field.

Self-hosted mode checks the hashed token in the database; external identity mode asks the
token endpoint discovered from ``ADMIN_ME`` (both through
:func:`starpunk.indieauth.tokens.authenticate_bearer`). The token is never logged or stored.
"""

from __future__ import annotations

from flask import request

from starpunk.errors import BadRequest, InsufficientScope, Unauthorized
from starpunk.indieauth.tokens import TokenInfo, authenticate_bearer

_CHALLENGE = 'Bearer realm="micropub"'


def authenticate(body_tokens: list[str]) -> TokenInfo:
    """The token info for this request, from the header or the ``access_token`` form field.

    Both at once (RFC 6750 §2) or several form tokens is 400 ``invalid_request``; none is
    401 ``unauthorized``; a token that is unknown, expired or revoked is 401 too.
    """
    header = request.headers.get("Authorization")
    if (header is not None and body_tokens) or len(body_tokens) > 1:
        raise BadRequest("Send the access token once: in the Authorization header or the body.")
    if header is not None:
        scheme, _, raw = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthorized(
                "The Authorization header must be 'Bearer <token>'.",
                headers={"WWW-Authenticate": _CHALLENGE},
            )
        raw = raw.strip()
    elif body_tokens:
        raw = body_tokens[0]
    else:
        raise Unauthorized(
            "An access token is required.", headers={"WWW-Authenticate": _CHALLENGE}
        )
    info = authenticate_bearer(raw)
    if info is None:
        raise Unauthorized(
            "The access token is not valid (unknown, expired or revoked).",
            headers={"WWW-Authenticate": f'{_CHALLENGE}, error="invalid_token"'},
        )
    return info


def require_scope(info: TokenInfo, scope: str) -> None:
    """401 ``insufficient_scope`` unless the token carries ``scope``."""
    if scope not in info.scopes:
        raise InsufficientScope(
            f"This action needs a token with the {scope!r} scope.",
            headers={
                "WWW-Authenticate": f'{_CHALLENGE}, error="insufficient_scope", scope="{scope}"'
            },
        )
