"""Structured logging: JSON lines to the console and a rotating file, with a correlation id.

Every record carries ``request_id``: ``init`` during start-up and outside requests,
the request's id inside one. Secrets never reach the log: nothing here logs request
bodies, headers or query strings, and a last-line filter masks anything that looks
like a credential in case a message carries one by mistake.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

request_id_var: ContextVar[str] = ContextVar("request_id", default="init")

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CREDENTIAL = re.compile(
    r"(?i)(bearer\s+|(?:access_token|refresh_token|code|code_verifier|password|token|"
    r"client_secret|session)[\"']?\s*[=:]\s*[\"']?)([^\s&\"',;]+)"
)
#: Attributes every LogRecord has; anything else was passed through ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
_HANDLER_NAME = "starpunk"
#: ``extra`` fields whose values are never written, whatever they hold.
_SECRET_FIELDS = frozenset({
    "access_token", "refresh_token", "token", "code", "code_verifier", "password",
    "client_secret", "secret", "cookie", "cookies", "authorization", "session",
})


def mask_secrets(text: str) -> str:
    """Replace anything that looks like a credential value with ``[redacted]``."""
    return _CREDENTIAL.sub(lambda m: m.group(1) + "[redacted]", text)


def _masked_extra(key: str, value: Any) -> Any:
    """An ``extra`` value as logged: credential fields hidden, text passed through the mask."""
    if key.lower() in _SECRET_FIELDS:
        return "[redacted]"
    return mask_secrets(value) if isinstance(value, str) else value


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current correlation id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": mask_secrets(record.getMessage()),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = _masked_extra(key, value)
        if record.exc_info:
            entry["exc"] = mask_secrets(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(config: dict[str, Any]) -> None:
    """Send the ``starpunk`` loggers to stderr and ``DATA_PATH/logs/starpunk.log`` as JSON."""
    logger = logging.getLogger("starpunk")
    logger.setLevel(config["LOG_LEVEL"])
    logger.propagate = False
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:
            logger.removeHandler(handler)
            handler.close()
    log_dir = Path(config["DATA_PATH"]) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    file_handler = RotatingFileHandler(
        log_dir / "starpunk.log",
        maxBytes=config["LOG_FILE_MAX_BYTES"],
        backupCount=config["LOG_FILE_BACKUPS"],
        encoding="utf-8",
    )
    console = logging.StreamHandler(sys.stderr)
    for handler in (file_handler, console):
        handler.set_name(_HANDLER_NAME)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)


def close_logging() -> None:
    """Close the handlers :func:`configure_logging` installed (tests, shutdown)."""
    logger = logging.getLogger("starpunk")
    for handler in list(logger.handlers):
        if handler.get_name() == _HANDLER_NAME:
            logger.removeHandler(handler)
            handler.close()


def _begin_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    rid = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(8)
    request.environ["starpunk.request_id"] = rid
    request.environ["starpunk.request_id_token"] = request_id_var.set(rid)


def _end_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = request.environ.get("starpunk.request_id", "")
    return response


def _reset_request_id(_exc: BaseException | None = None) -> None:
    token = request.environ.pop("starpunk.request_id_token", None)
    if token is not None:
        request_id_var.reset(token)


def init_app(app: Flask) -> None:
    """Give every request a correlation id and echo it in ``X-Request-ID``."""
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.teardown_request(_reset_request_id)
