"""Micropub request bodies (form, multipart, JSON) normalised into one :class:`MicropubRequest`.

Form bodies use the bracket syntax clients send (``category[]``, ``category[0]``,
``content[html]``, ``photo[value]``/``photo[alt]``, ``x-weight[properties][num]``); every
property comes out as a list of values, nested objects as mf2 objects, exactly like JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starpunk.errors import BadRequest

ACTIONS = ("create", "update", "delete", "undelete")
#: Form fields that are request parameters, never post properties.
FORM_PARAMETERS = frozenset({"access_token", "action", "url", "h"})
_BRACKET = re.compile(r"\[([^\[\]]*)\]")
MAX_DEPTH = 8


@dataclass
class MicropubRequest:
    """One Micropub request: a create (``type``/``properties``) or an action on ``url``."""

    action: str
    url: str | None = None
    type: str = "h-entry"
    properties: dict[str, list] = field(default_factory=dict)
    update: dict[str, Any] = field(default_factory=dict)


def _single(value: Any, name: str) -> str:
    """One text value of a request parameter (form lists of one are unwrapped)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise BadRequest(f"The {name!r} parameter must be a single text value.")
    return value


def _split_key(key: str) -> tuple[str, list[str]]:
    """``a[b][]`` → ``("a", ["b", ""])``; keys without well-formed brackets stay whole."""
    start = key.find("[")
    if start <= 0:
        return key, []
    segments, position = [], start
    for match in _BRACKET.finditer(key, start):
        if match.start() != position:
            return key, []
        segments.append(match.group(1))
        position = match.end()
    if position != len(key) or len(segments) > MAX_DEPTH:
        return key, []
    return key[:start], segments


def _next_index(node: dict[str, Any]) -> str:
    numbers = [int(k) for k in node if k.isdecimal()]
    return str(max(numbers) + 1 if numbers else 0)


def _insert(node: dict[str, Any], segments: list[str], value: str) -> None:
    key = segments[0] or _next_index(node)
    if len(segments) == 1:
        node[key] = value
        return
    child = node.get(key)
    if not isinstance(child, dict):
        child = node[key] = {}
    _insert(child, segments[1:], value)


def _as_lists(value: Any) -> Any:
    """Dicts keyed only by indexes become lists, in the order the client sent them."""
    if not isinstance(value, dict):
        return value
    converted = {key: _as_lists(item) for key, item in value.items()}
    if converted and all(key.isdecimal() for key in converted):
        return list(converted.values())
    return converted


def nest_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Form pairs → nested values: a plain or ``name[]`` key gives a list, ``name[k]`` a dict."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        base, segments = _split_key(key)
        _insert(root, [base, *(segments or [""])], value)
    return {key: _as_lists(value) for key, value in root.items()}


def _form_object(value: dict[str, Any]) -> dict[str, Any]:
    """A bracketed form object: an mf2 object (``type``/``properties``) or a plain one."""
    if "type" in value or "properties" in value:
        types = value.get("type", [])
        props = value.get("properties", {})
        if not isinstance(props, dict):
            raise BadRequest("A nested object's properties must be named values.")
        obj: dict[str, Any] = {
            "type": [types] if isinstance(types, str) else _form_value(types),
            "properties": {name: _form_list(item) for name, item in props.items()},
        }
        for key, item in value.items():
            if key not in ("type", "properties"):
                obj[key] = _form_value(item)
        return obj
    return {key: _form_value(item) for key, item in value.items()}


def _form_value(value: Any) -> Any:
    if isinstance(value, dict):
        return _form_object(value)
    if isinstance(value, list):
        return [_form_value(item) for item in value]
    return value


def _form_list(value: Any) -> list:
    converted = _form_value(value)
    return converted if isinstance(converted, list) else [converted]


def parse_form(pairs: Iterable[tuple[str, str]]) -> MicropubRequest:
    """A form-encoded (or multipart) body: ``h=entry`` and properties, or ``action`` + ``url``."""
    tree = nest_form((k, v) for k, v in pairs if k != "access_token")
    action = _single(tree["action"], "action") if "action" in tree else "create"
    if action not in ACTIONS:
        raise BadRequest(f"Unknown action {action[:40]!r}; use one of: {', '.join(ACTIONS)}.")
    if action == "update":
        raise BadRequest("Updates must be sent as JSON (Content-Type: application/json).")
    if action != "create":
        if "url" not in tree:
            raise BadRequest(f"The {action} action needs the post's url.")
        return MicropubRequest(action, url=_single(tree["url"], "url"))
    kind = _single(tree["h"], "h") if "h" in tree else "entry"
    properties: dict[str, list] = {}
    for name, value in tree.items():
        if name in FORM_PARAMETERS and name != "url":
            continue
        values = [item for item in _form_list(value) if item != ""]  # fields left blank
        if values:
            properties[name] = values
    return MicropubRequest("create", type=f"h-{kind}", properties=properties)


def load_json(data: bytes) -> Any:
    """Decode a JSON body; malformed, non-UTF-8 or absurdly nested input is a 400."""
    try:
        body = json.loads(data)
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # lone surrogates cannot be stored
    except (ValueError, RecursionError):
        raise BadRequest("The body is not valid JSON (UTF-8 text).") from None
    return body


def parse_json(body: Any) -> MicropubRequest:
    """A JSON body: an mf2 object (``type`` + ``properties``) or an ``action`` on a ``url``."""
    if not isinstance(body, dict):
        raise BadRequest("The JSON body must be an object.")
    if "action" in body:
        action = body["action"]
        if not isinstance(action, str) or action not in ACTIONS or action == "create":
            raise BadRequest("Unknown action; use one of: update, delete, undelete.")
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise BadRequest(f"The {action} action needs the post's url as a string.")
        update = {k: v for k, v in body.items() if k in ("replace", "add", "delete")}
        return MicropubRequest(action, url=url, update=update)
    types = body.get("type")
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        raise BadRequest('A JSON create needs "type": ["h-entry"].')
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise BadRequest('A JSON create needs "properties": an object of arrays.')
    for name, values in properties.items():
        if not isinstance(values, list):
            raise BadRequest(f"The property {name[:60]!r} must be an array of values.")
    return MicropubRequest("create", type=types[0], properties=dict(properties))
