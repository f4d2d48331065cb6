"""Every setting, declared once: this table drives validation, CLI help and the README.

Sources, strongest first: an explicit mapping (tests), the environment, a ``.env``
file in the working directory, the declared defaults. :func:`load_config` reports
every problem it finds, one line each, naming the setting, the value and what is
allowed.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values

from starpunk.errors import StartupError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SECRET_FILE = "secret.key"


@dataclass(frozen=True)
class Setting:
    """One declared setting."""

    name: str
    kind: str  # str, int, float, bool, url, link, links, path, enum
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False

    def allowed(self) -> str:
        """Human words for what values are accepted."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        if self.kind in ("int", "float"):
            noun = "a whole number" if self.kind == "int" else "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{noun} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
            if self.minimum is not None:
                return f"{noun} of at least {_fmt(self.minimum)}"
            return noun
        if self.kind == "bool":
            return "true or false (also 1/0, yes/no, on/off)"
        if self.kind == "url":
            return "an absolute http:// or https:// URL with a host and no query or fragment"
        if self.kind == "link":
            return "an absolute http:// or https:// URL"
        if self.kind == "links":
            return "absolute http:// or https:// URLs separated by spaces or commas"
        if self.kind == "path":
            return "a directory the server can create and write to"
        return "any text"


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


SETTINGS: tuple[Setting, ...] = (
    Setting("SITE_URL", "url", "http://localhost:8000/",
            "Canonical public URL of the site; every advertised URL is built from it."),
    Setting("SITE_NAME", "str", "StarPunk", "The site's name, shown in pages and feeds."),
    Setting("SITE_AUTHOR", "str", "", "The owner's name for the h-card and feeds."),
    Setting("SITE_DESCRIPTION", "str", "", "A short description for the h-card note and feeds."),
    Setting("SITE_LANGUAGE", "str", "en", "Language tag of the content (html lang, feeds)."),
    Setting("AUTHOR_PHOTO", "link", None, "URL of the owner's photo for the h-card."),
    Setting("REL_ME", "links", (),
            "The owner's other profiles (rel=me links on the h-card), separated by spaces."),
    Setting("POSTS_PER_PAGE", "int", 20, "Posts per page on the home, tag and search pages.",
            minimum=1, maximum=100),
    Setting("ADMIN_ME", "url", None,
            "The owner's identity URL; defaults to SITE_URL (self-hosted identity)."),
    Setting("SESSION_SECRET", "str", None,
            "Secret key for signing; generated once and kept in DATA_PATH/secret.key when unset.",
            secret=True),
    Setting("DATA_PATH", "path", "./data", "Directory for the database, posts, media and logs."),
    Setting("LOG_LEVEL", "enum", "INFO", "Lowest level written to the logs.", choices=LOG_LEVELS),
    Setting("LOG_FILE_MAX_BYTES", "int", 10 * 1024 * 1024,
            "Size at which DATA_PATH/logs/starpunk.log is rotated.", minimum=1024),
    Setting("LOG_FILE_BACKUPS", "int", 10, "How many rotated log files are kept.",
            minimum=0, maximum=1000),
    Setting("DB_POOL_SIZE", "int", 5, "Most SQLite connections one worker holds.",
            minimum=1, maximum=100),
    Setting("DB_TIMEOUT", "float", 10.0,
            "Seconds to wait for a pooled connection or a database lock before answering 503.",
            minimum=0.1, maximum=300),
    Setting("FEED_MAX_ITEMS", "int", 50, "Most posts in a feed.", minimum=1, maximum=1000),
    Setting("FEED_CACHE_SECONDS", "int", 300,
            "max-age for feeds in Cache-Control (content changes still show at once).",
            minimum=0, maximum=86400),
    Setting("WEBSUB_HUB", "link", None,
            "WebSub hub (e.g. https://switchboard.p3k.io/) advertised by the feeds and home page "
            "and notified of every publish, update and delete; unset turns WebSub off."),
    Setting("MAX_CONTENT_LENGTH", "int", 50 * 1024 * 1024,
            "Largest request body in bytes (uploads included); larger ones get 413.",
            minimum=1024),
    Setting("MEDIA_MAX_BYTES", "int", 20 * 1024 * 1024,
            "Largest single uploaded image in bytes; larger ones get 413.", minimum=1024),
    Setting("MEDIA_MAX_PIXELS", "int", 50_000_000,
            "Most pixels an uploaded image may decode to (width x height, times the frames of "
            "an animation); more is refused with 400.", minimum=1, maximum=150_000_000),
    Setting("MEDIA_REQUIRE_ALT", "bool", True,
            "Require alt text for every photo saved from the admin editor."),
    Setting("DEV_MODE", "bool", False,
            "Development conveniences (one-click login on localhost only, with loud warnings)."),
    Setting("FETCH_ALLOW_PRIVATE", "bool", False,
            "Let outbound fetches reach loopback, private and link-local addresses "
            "(tests and home networks only)."),
    Setting("ACCESS_TOKEN_LIFETIME", "int", 7 * 86400,
            "Seconds an IndieAuth access token stays valid (refresh tokens renew it).",
            minimum=60, maximum=366 * 86400),
    Setting("REFRESH_TOKEN_LIFETIME", "int", 60 * 86400,
            "Seconds an unused IndieAuth refresh token stays valid.",
            minimum=3600, maximum=3 * 366 * 86400),
    Setting("INDIEAUTH_ALLOW_NO_PKCE", "bool", False,
            "Let old IndieAuth clients authorize without PKCE (S256 is required otherwise)."),
    Setting("INDIELOGIN_URL", "url", None,
            "External identity mode: sign in through this IndieAuth service (e.g. "
            "https://indielogin.com/) instead of the endpoints discovered from ADMIN_ME."),
    Setting("SESSION_LIFETIME_DAYS", "int", 30,
            "Days an owner sign-in lasts since its last use (sliding expiry).",
            minimum=1, maximum=366),
    Setting("SYNDICATE_TO", "str", "",
            "Syndication targets offered to Micropub clients (q=syndicate-to): comma-separated "
            "`Name=URL` or `URL` entries. Choices are recorded on the post as mp-syndicate-to."),
    Setting("TRUSTED_PROXIES", "int", 0,
            "How many reverse proxies in front of the site to trust for X-Forwarded-* headers "
            "(0 trusts none).", minimum=0, maximum=10),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def normalise_url(value: str) -> str | None:
    """The URL with a lower-case scheme and host and one trailing slash, or None if malformed."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if parts.query or parts.fragment or " " in value.strip():
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/") + "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def is_link(value: str) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host (kept as written)."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def _convert(setting: Setting, raw: Any) -> tuple[Any, bool]:
    """Convert one raw value; the flag says whether it was acceptable."""
    if setting.kind == "bool":
        if isinstance(raw, bool):
            return raw, True
        text = str(raw).strip().lower()
        return text in _TRUE, text in _TRUE | _FALSE
    if setting.kind in ("int", "float"):
        caster: Callable[[str], Any] = int if setting.kind == "int" else float
        try:
            value = caster(str(raw).strip()) if not isinstance(raw, int | float) else caster(raw)
        except ValueError:
            return None, False
        if isinstance(raw, bool) or value != value:  # bools are ints; NaN is not a number
            return None, False
        low, high = setting.minimum, setting.maximum
        ok = (low is None or value >= low) and (high is None or value <= high)
        return value, ok
    if setting.kind == "enum":
        value = str(raw).strip().upper()
        return value, value in setting.choices
    if setting.kind == "url":
        normal = normalise_url(str(raw))
        return normal, normal is not None
    if setting.kind in ("link", "links"):
        links = tuple(str(raw).replace(",", " ").split()) if isinstance(raw, str) else tuple(raw)
        ok = all(is_link(link) for link in links) and (setting.kind == "links" or len(links) == 1)
        return (links if setting.kind == "links" else "".join(links[:1])), ok
    if setting.kind == "path":
        return Path(str(raw)).expanduser().resolve(), bool(str(raw).strip())
    return str(raw), True


def _check_writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError:
        return False
    return True


def _raw_values(overrides: Mapping[str, Any] | None, env: Mapping[str, str]) -> dict[str, Any]:
    dotenv = {k: v for k, v in dotenv_values(Path.cwd() / ".env").items() if v is not None}
    raw: dict[str, Any] = {}
    for setting in SETTINGS:
        for source in (overrides or {}, env, dotenv):
            if setting.name in source:
                raw[setting.name] = source[setting.name]
                break
    return raw


def load_config(
    overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Read, convert and validate every setting; :class:`StartupError` lists all problems."""
    raw = _raw_values(overrides, os.environ if env is None else env)
    config: dict[str, Any] = {}
    problems: list[str] = []
    for setting in SETTINGS:
        if setting.name not in raw or (raw[setting.name] is None):
            config[setting.name] = setting.default
            continue
        value, ok = _convert(setting, raw[setting.name])
        if not ok:
            bad = "(hidden)" if setting.secret else repr(str(raw[setting.name]))
            problems.append(f"{setting.name}={bad} is not valid: expected {setting.allowed()}.")
        config[setting.name] = value
    if isinstance(config["DATA_PATH"], str):  # the default, not yet resolved
        config["DATA_PATH"] = Path(config["DATA_PATH"]).resolve()
    data_path = config["DATA_PATH"]
    if isinstance(data_path, Path) and not _check_writable(data_path):
        problems.append(
            f"DATA_PATH={str(data_path)!r} is not valid: expected "
            f"{BY_NAME['DATA_PATH'].allowed()}."
        )
    secret = config["SESSION_SECRET"]
    if secret is not None and len(str(secret)) < 32:
        problems.append("SESSION_SECRET=(hidden) is not valid: expected at least 32 characters.")
    problems += _check_syndicate_to(config["SYNDICATE_TO"])
    if problems:
        raise StartupError(*problems)
    config["ADMIN_ME"] = config["ADMIN_ME"] or config["SITE_URL"]
    if config["SESSION_SECRET"] is None:
        config["SESSION_SECRET"] = persisted_secret(data_path)
    return config


def _check_syndicate_to(value: str | None) -> list[str]:
    from starpunk.micropub.targets import parse_targets

    try:
        parse_targets(value)
    except ValueError as exc:
        return [
            f"SYNDICATE_TO={str(value)!r} is not valid: expected comma-separated Name=URL or URL "
            f"entries ({exc})."
        ]
    return []


def persisted_secret(data_path: Path) -> str:
    """The secret kept in ``DATA_PATH/secret.key`` (mode 0600), created once if missing.

    The file is written under a temporary name and linked into place, so workers that
    start together all end up reading the same secret.
    """
    target = data_path / SECRET_FILE
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=data_path, prefix=".secret-")
        try:
            os.write(fd, secrets.token_urlsafe(48).encode())
            os.fsync(fd)
            os.close(fd)
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, target)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    return target.read_text().strip()


def redacted(config: Mapping[str, Any]) -> dict[str, str]:
    """Effective values as text, secrets replaced, for ``starpunk config``."""
    shown = {}
    for setting in SETTINGS:
        value = config.get(setting.name)
        shown[setting.name] = "(set, hidden)" if setting.secret and value else str(value)
    return shown


def markdown_table() -> str:
    """The README's settings table, generated from :data:`SETTINGS`."""
    rows = ["| Setting | Default | Allowed | What it does |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "(generated)" if s.secret else ("" if s.default in (None, ()) else str(s.default))
        rows.append(f"| `{s.name}` | `{default}` | {s.allowed()} | {s.help} |")
    return "\n".join(rows)
