"""``DEV_MODE``: a one-click owner login for local work, refused unless SITE_URL is local.

While ``DEV_MODE`` is on, start-up logs a loud warning and every page shows a banner
(``templates/auth/dev_banner.html``, included by ``base.html``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

log = logging.getLogger(__name__)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def site_is_local(config: Mapping[str, Any]) -> bool:
    """Whether ``SITE_URL`` names this machine (localhost, 127.0.0.1 or ::1)."""
    return (urlsplit(config["SITE_URL"]).hostname or "") in LOCAL_HOSTS


def dev_login_allowed(config: Mapping[str, Any] | None = None) -> bool:
    """Whether the one-click development login is on (DEV_MODE and a local SITE_URL)."""
    cfg = current_app.config if config is None else config
    return bool(cfg["DEV_MODE"]) and site_is_local(cfg)


def init_app(app: Flask) -> None:
    """Warn loudly about DEV_MODE and expose ``dev_login_enabled`` to templates."""
    app.jinja_env.globals["dev_login_enabled"] = lambda: dev_login_allowed()
    if not app.config["DEV_MODE"]:
        return
    if site_is_local(app.config):
        log.warning(
            "DEV_MODE IS ON: anyone who can reach this server can sign in as the owner "
            "without a password. Never use DEV_MODE on a public site.",
            extra={"site_url": app.config["SITE_URL"]},
        )
    else:
        log.warning(
            "DEV_MODE is on but SITE_URL is not localhost, 127.0.0.1 or ::1: "
            "the development login is DISABLED. Turn DEV_MODE off on public sites.",
            extra={"site_url": app.config["SITE_URL"]},
        )
