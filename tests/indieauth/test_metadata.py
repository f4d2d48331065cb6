"""Metadata document and CLI tokens."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from starpunk.cli import cli
from starpunk.database import get_db
from starpunk.indieauth.tokens import lookup_access


def test_metadata_is_absolute_from_site_url(app_factory) -> None:
    app = app_factory(SITE_URL="https://starpunk.test/blog")
    client = app.test_client()
    doc = client.get("/.well-known/oauth-authorization-server",
                     base_url="http://127.0.0.1:8123").get_json()
    assert doc["issuer"] == "https://starpunk.test/blog/"
    for key in ("authorization_endpoint", "token_endpoint", "introspection_endpoint",
                "revocation_endpoint", "userinfo_endpoint"):
        assert doc[key].startswith("https://starpunk.test/blog/"), key
    assert doc["authorization_endpoint"] == "https://starpunk.test/blog/indieauth/auth"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert set(doc["scopes_supported"]) == {"create", "update", "delete", "undelete", "media",
                                            "draft", "profile", "email"}


def test_external_mode_has_no_server_endpoints(app_factory) -> None:
    app = app_factory(ADMIN_ME="https://me.example/")
    assert "indieauth.token" not in app.view_functions
    assert "indielogin.callback" in app.view_functions
    assert app.test_client().get("/.well-known/oauth-authorization-server").status_code == 404


def test_cli_token_create_list_revoke(app) -> None:
    env = {"DATA_PATH": str(app.config["DATA_PATH"]), "SITE_URL": "http://localhost/",
           "SESSION_SECRET": app.config["SECRET_KEY"]}

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, list(args), env=env)

    result = run("token", "create", "--scope", "create media", "--client-id", "https://app.example")
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip()
    assert len(raw.splitlines()) == 1 and len(raw) >= 40
    with app.test_request_context():
        row = lookup_access(get_db(), raw)
        assert row["scope"] == "create media" and row["client_id"] == "https://app.example/"
        assert row["expires_at"] is None
        stored = get_db().execute("SELECT token_hash FROM indieauth_tokens").fetchall()
        assert raw not in [r[0] for r in stored]
    listing = run("token", "list")
    assert "https://app.example/" in listing.stdout and "create media" in listing.stdout
    assert raw not in listing.output
    grant_id = listing.stdout.split("\t", 1)[0]
    assert run("token", "revoke", grant_id).exit_code == 0
    with app.test_request_context():
        assert lookup_access(get_db(), raw) is None
    assert run("token", "revoke", grant_id).exit_code == 1
    bad = run("token", "create", "--scope", "root")
    assert bad.exit_code == 2 and bad.stdout == ""
