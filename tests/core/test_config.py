"""Configuration: sources, defaults, normalisation, and one clear line per problem."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from starpunk.cli import cli
from starpunk.config import SETTINGS, load_config, normalise_url
from starpunk.errors import StartupError

README = Path(__file__).resolve().parents[2] / "README.md"


def problems(tmp_path: Path, **values: str) -> list[str]:
    env = {"DATA_PATH": str(tmp_path / "data"), **values}
    with pytest.raises(StartupError) as caught:
        load_config(env=env)
    return caught.value.problems


BAD = [
    ({"LOG_LEVEL": "LOUD"},
     "LOG_LEVEL='LOUD' is not valid: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL."),
    ({"DB_POOL_SIZE": "-1"},
     "DB_POOL_SIZE='-1' is not valid: expected a whole number from 1 to 100."),
    ({"DB_POOL_SIZE": "many"},
     "DB_POOL_SIZE='many' is not valid: expected a whole number from 1 to 100."),
    ({"DB_POOL_SIZE": "0"},
     "DB_POOL_SIZE='0' is not valid: expected a whole number from 1 to 100."),
    ({"DB_TIMEOUT": "nan"},
     "DB_TIMEOUT='nan' is not valid: expected a number from 0.1 to 300."),
    ({"SITE_URL": "localhost:8000"},
     "SITE_URL='localhost:8000' is not valid: expected an absolute http:// or https:// URL "
     "with a host and no query or fragment."),
    ({"SITE_URL": "ftp://example.com/"},
     "SITE_URL='ftp://example.com/' is not valid: expected an absolute http:// or https:// "
     "URL with a host and no query or fragment."),
    ({"SITE_URL": "https://example.com/?x=1"},
     "SITE_URL='https://example.com/?x=1' is not valid: expected an absolute http:// or "
     "https:// URL with a host and no query or fragment."),
    ({"ADMIN_ME": "me"},
     "ADMIN_ME='me' is not valid: expected an absolute http:// or https:// URL with a host "
     "and no query or fragment."),
    ({"DEV_MODE": "maybe"},
     "DEV_MODE='maybe' is not valid: expected true or false (also 1/0, yes/no, on/off)."),
    ({"FEED_MAX_ITEMS": "100000"},
     "FEED_MAX_ITEMS='100000' is not valid: expected a whole number from 1 to 1000."),
    ({"MAX_CONTENT_LENGTH": "12.5"},
     "MAX_CONTENT_LENGTH='12.5' is not valid: expected a whole number of at least 1024."),
    ({"TRUSTED_PROXIES": "-2"},
     "TRUSTED_PROXIES='-2' is not valid: expected a whole number from 0 to 10."),
    ({"SESSION_SECRET": "short"},
     "SESSION_SECRET=(hidden) is not valid: expected at least 32 characters."),
]


@pytest.mark.parametrize(("values", "message"), BAD, ids=[next(iter(v)) for v, _ in BAD])
def test_bad_value_gives_one_exact_line(tmp_path: Path, values: dict, message: str) -> None:
    assert problems(tmp_path, **values) == [message]


@pytest.mark.parametrize(("values", "message"), BAD[:4], ids=[next(iter(v)) for v, _ in BAD[:4]])
def test_cli_exits_non_zero_with_the_message(tmp_path: Path, values: dict, message: str) -> None:
    env = {"DATA_PATH": str(tmp_path / "data"), **values}
    result = CliRunner().invoke(cli, ["config"], env=env)
    assert result.exit_code == 2
    assert result.output.strip() == f"starpunk: {message}"


def test_unwritable_data_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    target = blocker / "data"
    with pytest.raises(StartupError) as caught:
        load_config(env={"DATA_PATH": str(target)})
    assert caught.value.problems == [
        f"DATA_PATH='{target}' is not valid: expected a directory the server can create "
        "and write to."
    ]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, LOG_LEVEL="x", DB_POOL_SIZE="y", SITE_URL="z")
    assert [line.split("=")[0] for line in found] == ["SITE_URL", "LOG_LEVEL", "DB_POOL_SIZE"]


def test_secret_value_never_echoed(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["config"], env={"DATA_PATH": str(tmp_path), "SESSION_SECRET": "hunter2"}
    )
    assert result.exit_code == 2
    assert "hunter2" not in result.output


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    config = load_config(env={"DATA_PATH": str(tmp_path / "data")})
    assert config["SITE_URL"] == "http://localhost:8000/"
    assert config["ADMIN_ME"] == "http://localhost:8000/"
    assert config["LOG_LEVEL"] == "INFO"
    assert config["DB_POOL_SIZE"] == 5
    assert config["DEV_MODE"] is False


def test_generated_secret_is_persisted_privately(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = load_config(env={"DATA_PATH": str(data)})["SESSION_SECRET"]
    second = load_config(env={"DATA_PATH": str(data)})["SESSION_SECRET"]
    assert first == second and len(first) >= 32
    mode = stat.S_IMODE(os.stat(data / "secret.key").st_mode)
    assert mode == 0o600
    other = load_config(env={"DATA_PATH": str(tmp_path / "other")})["SESSION_SECRET"]
    assert other != first


def test_sources_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "SITE_NAME=From dotenv\nSITE_AUTHOR=Dot Author\nFEED_MAX_ITEMS=7\n"
    )
    env = {"DATA_PATH": str(tmp_path / "d"), "SITE_NAME": "From env", "SITE_AUTHOR": "Env"}
    config = load_config({"SITE_NAME": "From mapping"}, env=env)
    assert config["SITE_NAME"] == "From mapping"
    assert config["SITE_AUTHOR"] == "Env"
    assert config["FEED_MAX_ITEMS"] == 7
    assert config["SITE_LANGUAGE"] == "en"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("https://Example.COM", "https://example.com/"),
        ("https://example.com/blog", "https://example.com/blog/"),
        ("https://example.com/blog///", "https://example.com/blog/"),
        ("http://starpunk.test", "http://starpunk.test/"),
        ("http://127.0.0.1:8123/", "http://127.0.0.1:8123/"),
        ("https://example.com#top", None),
        ("https://exa mple.com/", None),
        ("http://example.com:99999/", None),
        ("mailto:me@example.com", None),
    ],
)
def test_url_normalisation(raw: str, normal: str | None) -> None:
    assert normalise_url(raw) == normal


def test_site_url_normalised_once_in_config(tmp_path: Path) -> None:
    config = load_config(env={"DATA_PATH": str(tmp_path), "SITE_URL": "https://Example.com"})
    assert config["SITE_URL"] == "https://example.com/"


def test_config_command_redacts_secrets(tmp_path: Path) -> None:
    secret = "s" * 40
    result = CliRunner().invoke(
        cli, ["config"], env={"DATA_PATH": str(tmp_path), "SESSION_SECRET": secret}
    )
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    assert "SESSION_SECRET=(set, hidden)" in result.output
    assert f"DATA_PATH={tmp_path}" in result.output


def test_help_lists_every_setting() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    for setting in SETTINGS:
        assert setting.name in result.output


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"settings missing from README.md: {missing}"
