"""Password hashing, `starpunk passwd` and the start-up hint."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from flask import Flask

from starpunk.auth.cli import HINT, password_missing, print_password_hint
from starpunk.auth.passwords import (
    MIN_LENGTH,
    PasswordTooWeak,
    check_strength,
    hash_password,
    stored_hash,
    verify_password,
)
from starpunk.config import load_config
from starpunk.database import get_db
from tests.auth.helpers import PASSWORD, login_owner, run_cli, session_cookie


def test_hash_verifies_only_the_right_password() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$n=32768,r=8,p=1$")
    assert PASSWORD not in stored
    assert verify_password(PASSWORD, stored)
    assert not verify_password(PASSWORD + " ", stored)
    assert not verify_password("", stored)


def test_hashes_are_salted() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_parameters_are_read_from_the_stored_hash() -> None:
    import base64
    import hashlib

    salt = b"0123456789abcdef"
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=1024, r=4, p=2, dklen=24)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    assert verify_password(PASSWORD, f"scrypt$n=1024,r=4,p=2${b64(salt)}${b64(key)}")
    assert not verify_password(PASSWORD, f"scrypt$n=2048,r=4,p=2${b64(salt)}${b64(key)}")


@pytest.mark.parametrize("stored", ["", "garbage", "md5$x$y$z", "scrypt$n=3,r=8,p=1$AAAA$AAAA",
                                    "scrypt$n=1024$AAAA$AAAA", "scrypt$n=1024,r=8,p=1$AAAA$"])
def test_malformed_hashes_never_match(stored: str) -> None:
    assert not verify_password(PASSWORD, stored)


@pytest.mark.parametrize("weak", ["", "   ", "short", "x" * (MIN_LENGTH - 1)])
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(PasswordTooWeak):
        check_strength(weak)


def test_passwd_reads_stdin_and_stores_a_hash(app: Flask) -> None:
    result = run_cli(app, "passwd", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Owner password set" in result.output
    with app.app_context():
        stored = stored_hash(get_db())
    assert stored and verify_password(PASSWORD, stored)


@pytest.mark.parametrize("weak", ["", "short"])
def test_passwd_refuses_short_passwords_and_changes_nothing(app: Flask, weak: str) -> None:
    result = run_cli(app, "passwd", input=weak + "\n")
    assert result.exit_code == 1
    assert "Nothing was changed" in result.output
    with app.app_context():
        assert stored_hash(get_db()) is None


def test_passwd_signs_every_browser_out(app: Flask) -> None:
    client = app.test_client()
    login_owner(app, client)
    assert session_cookie(client)
    result = run_cli(app, "passwd", input="another long password\n")
    assert "Signed out 1 session" in result.output
    assert client.get("/admin/").status_code == 302


def test_hint_on_a_fresh_data_dir_creates_nothing(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config({"DATA_PATH": str(tmp_path / "data"), "SESSION_SECRET": "s" * 40})
    print_password_hint(config)
    assert HINT in capsys.readouterr().err
    assert not (tmp_path / "data" / "starpunk.db").exists()


def test_hint_when_the_table_does_not_exist_yet(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    sqlite3.connect(data / "starpunk.db").close()
    config = load_config({"DATA_PATH": str(data), "SESSION_SECRET": "s" * 40})
    assert password_missing(config)


def test_no_hint_once_a_password_is_set(app: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(app, "passwd", input=PASSWORD + "\n")
    capsys.readouterr()
    print_password_hint(dict(app.config))
    assert HINT not in capsys.readouterr().err


def test_no_hint_in_external_identity_mode(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config({"DATA_PATH": str(tmp_path), "SESSION_SECRET": "s" * 40,
                          "ADMIN_ME": "https://me.example/"})
    print_password_hint(config)
    assert HINT not in capsys.readouterr().err
