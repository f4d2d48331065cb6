"""The owner's list of authorized applications and tokens, with a revoke button each."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from starpunk.database import get_db
from starpunk.errors import NotFound
from starpunk.indieauth.tokens import list_grants, revoke_grant

bp = Blueprint("indieauth_admin", __name__, url_prefix="/admin/tokens")


@bp.before_request
def _owner_only() -> Any:
    from starpunk.auth import require_owner

    return require_owner()


@bp.get("/")
def index() -> str:
    """Live grants with scopes, last use and expiry."""
    return render_template("indieauth/tokens.html", grants=list_grants(get_db()))


@bp.post("/<int:grant_id>/revoke")
def revoke(grant_id: int) -> Any:
    """Revoke one grant and every token in it."""
    if not revoke_grant(get_db(), grant_id):
        raise NotFound("No such active authorization.")
    return redirect(url_for("indieauth_admin.index"), code=303)
