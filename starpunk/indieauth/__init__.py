"""IndieAuth: the site as its own authorization server, or a client of an external identity.

Self-hosted mode (``ADMIN_ME`` on the site's origin) registers the server endpoints:
metadata, authorization, token, introspection, revocation and userinfo. External mode
(``ADMIN_ME`` elsewhere) registers only the sign-in client in
:mod:`starpunk.indieauth.external`; bearer tokens are then checked remotely.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("indieauth", __name__)


def init_app(app: Flask) -> None:
    """Register the IndieAuth blueprints that fit the identity mode."""
    from starpunk.csrf import csrf
    from starpunk.indieauth import admin, authorize, external, metadata, token  # noqa: F401
    from starpunk.indieauth.tokens import external_mode

    if external_mode(app.config):
        app.register_blueprint(external.bp)
    else:
        app.register_blueprint(bp)
        for view in (token.token, token.redeem, token.introspect, token.revoke, token.userinfo):
            csrf.exempt(view)
    app.register_blueprint(admin.bp)
