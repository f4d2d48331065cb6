"""StarPunk: a single-user IndieWeb publishing server."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

__version__ = "0.1.0"

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Assemble the application; ``config`` overrides the environment and ``.env`` (tests).

    Raises :class:`starpunk.errors.StartupError` listing every configuration problem.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    import starpunk.logging as splog  # not `from starpunk import logging`: stdlib shadows it
    from starpunk import database, feeds, health, http, indieauth, media, metrics, micropub
    from starpunk.config import load_config
    from starpunk.csrf import csrf
    from starpunk.errors import register_error_handlers

    settings = load_config(config)
    splog.configure_logging(settings)

    app = Flask(__name__)
    app.config.update(settings)
    app.config.update(
        SECRET_KEY=settings["SESSION_SECRET"],
        MAX_CONTENT_LENGTH=settings["MAX_CONTENT_LENGTH"],
        WTF_CSRF_TIME_LIMIT=None,  # valid for the life of the session it is bound to
    )
    if settings["TRUSTED_PROXIES"]:
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    splog.init_app(app)
    register_error_handlers(app)
    database.init_app(app)
    http.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    indieauth.init_app(app)
    micropub.init_app(app)
    feeds.init_app(app)
    media.init_app(app)
    _register_owner_admin(app)

    log.info("starpunk ready", extra={"version": __version__, "site_url": settings["SITE_URL"]})
    return app


def _register_owner_admin(app: Flask) -> None:
    """The owner's login (``auth``), the admin blueprint (``admin``) and the public site."""
    from starpunk import auth
    from starpunk.web import admin, entries, public

    auth.init_app(app)
    app.register_blueprint(admin.bp)
    app.register_blueprint(public.bp)
    entries.init_app(app)
