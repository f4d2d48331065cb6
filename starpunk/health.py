"""``GET /health``: is the database answering and the data directory writable."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify

from starpunk import __version__
from starpunk.database import get_db, get_pool
from starpunk.errors import StarPunkError

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        return get_db().execute("SELECT 1").fetchone()[0] == 1
    except (StarPunkError, sqlite3.Error, OSError) as exc:  # pool exhausted, file gone
        log.warning("health: database check failed", extra={"reason": str(exc)})
        return False


def _data_path_ok() -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=Path(current_app.config["DATA_PATH"])):
            return True
    except OSError:
        return False


@bp.get("/health")
def health() -> Response:
    """200 with the checks when healthy, 503 when any check fails."""
    checks = {"database": _database_ok(), "data_path": _data_path_ok()}
    healthy = all(checks.values())
    response = jsonify(
        status="ok" if healthy else "unhealthy",
        version=__version__,
        checks={name: "ok" if ok else "failing" for name, ok in checks.items()},
        pool=get_pool().stats(),
    )
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
