"""Syndication targets from the ``SYNDICATE_TO`` setting (listed by ``q=syndicate-to``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def parse_targets(text: str | None) -> list[dict[str, str]]:
    """``Name=URL`` or ``URL`` entries separated by commas → ``[{"uid", "name"}]``.

    Raises :class:`ValueError` naming the first entry that is not an http(s) URL or repeats.
    """
    targets: list[dict[str, str]] = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, uid = entry.partition("=")
        if not sep or "://" in name:
            name, uid = "", entry
        name, uid = name.strip(), uid.strip()
        parts = urlsplit(uid)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{entry!r} is not Name=URL or URL")
        if any(target["uid"] == uid for target in targets):
            raise ValueError(f"{uid!r} is listed twice")
        targets.append({"uid": uid, "name": name or (parts.netloc + parts.path).rstrip("/")})
    return targets


def syndication_targets(config: Any = None) -> list[dict[str, str]]:
    """The configured targets (validated at start-up by :func:`starpunk.micropub.init_app`)."""
    cfg = config if config is not None else current_app.config
    return parse_targets(cfg.get("SYNDICATE_TO"))
