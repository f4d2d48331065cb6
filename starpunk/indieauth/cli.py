"""``starpunk token create|list|revoke``: tokens for clients where a token is pasted."""

from __future__ import annotations

import sys

import click
from flask import Flask

from starpunk.cli import cli, with_app
from starpunk.database import get_db
from starpunk.indieauth.clients import ClientError, validate_client_id
from starpunk.indieauth.tokens import (
    SCOPES,
    create_token,
    list_grants,
    normalise_scope,
    revoke_grant,
)


@cli.group()
def token() -> None:
    """Create, list and revoke access tokens."""


@token.command("create")
@click.option("--scope", required=True, help=f"Space-separated scopes from: {' '.join(SCOPES)}.")
@click.option("--client-id", default=None, help="URL of the client the token is for.")
@with_app
def create(app: Flask, scope: str, client_id: str | None) -> None:
    """Create a token that never expires (until revoked); prints only the token."""
    unknown = set(scope.split()) - set(SCOPES)
    if unknown or not scope.split():
        click.echo(f"starpunk: unknown or missing scopes {sorted(unknown)}; allowed: "
                   f"{' '.join(SCOPES)}", err=True)
        sys.exit(2)
    try:
        client = validate_client_id(client_id) if client_id else app.config["SITE_URL"]
    except ClientError as exc:
        click.echo(f"starpunk: --client-id: {exc}", err=True)
        sys.exit(2)
    grant_id, raw = create_token(
        get_db(), scope=normalise_scope(scope), client_id=client, me=app.config["ADMIN_ME"]
    )
    click.echo(f"Created token {grant_id} (revoke: starpunk token revoke {grant_id})", err=True)
    click.echo(raw)


@token.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include revoked tokens.")
@with_app
def list_(app: Flask, show_all: bool) -> None:
    """List authorized clients and tokens (id, client, scopes, last use)."""
    grants = list_grants(get_db(), include_revoked=show_all)
    if not grants:
        click.echo("No tokens.")
        return
    for g in grants:
        state = "revoked" if g["revoked_at"] else "active"
        click.echo(
            f"{g['id']}\t{state}\t{g['client_name'] or g['client_id']}\t{g['scope']}\t"
            f"created {g['created_at']}\tlast used {g['last_used_at'] or 'never'}"
        )


@token.command("revoke")
@click.argument("grant_id", type=int)
@with_app
def revoke(app: Flask, grant_id: int) -> None:
    """Revoke token ID (and every token of the same authorization)."""
    if not revoke_grant(get_db(), grant_id):
        click.echo(f"starpunk: no active token {grant_id}", err=True)
        sys.exit(1)
    click.echo(f"Revoked {grant_id}.")
