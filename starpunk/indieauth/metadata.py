"""Authorization server metadata (RFC 8414 shape, IndieAuth §4.1.1)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from starpunk.http import absolute_url
from starpunk.indieauth import bp
from starpunk.indieauth.tokens import SCOPES


def server_metadata() -> dict[str, Any]:
    """The metadata document; every URL is absolute and built from ``SITE_URL``."""
    return {
        "issuer": current_app.config["SITE_URL"],
        "authorization_endpoint": absolute_url("indieauth.authorization"),
        "token_endpoint": absolute_url("indieauth.token"),
        "introspection_endpoint": absolute_url("indieauth.introspect"),
        "introspection_endpoint_auth_methods_supported": ["Bearer"],
        "revocation_endpoint": absolute_url("indieauth.revoke"),
        "revocation_endpoint_auth_methods_supported": ["none"],
        "userinfo_endpoint": absolute_url("indieauth.userinfo"),
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
        "service_documentation": "https://indieauth.spec.indieweb.org/",
    }


@bp.get("/.well-known/oauth-authorization-server")
def metadata() -> Any:
    """Serve the metadata document (public, cacheable for an hour)."""
    response = jsonify(server_metadata())
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
