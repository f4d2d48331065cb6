"""Micropub updates: ``replace``, ``add`` and ``delete`` checked first, then applied together.

The operations are validated as a whole before anything is applied, and the result goes
through the same checks as a create before the store writes it in one unit, so a request
that fails anywhere changes nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from starpunk.errors import BadRequest
from starpunk.notes.model import normalize_tag

OPERATIONS = ("replace", "add", "delete")


def _object_of_arrays(value: Any, operation: str) -> dict[str, list]:
    if not isinstance(value, dict):
        raise BadRequest(f'"{operation}" must be an object of property name → array of values.')
    for name, values in value.items():
        if not isinstance(values, list):
            raise BadRequest(f'"{operation}": the value of {name[:60]!r} must be an array.')
    return value


def check_operations(update: dict[str, Any]) -> dict[str, Any]:
    """Validate the shape of an update; :class:`BadRequest` (invalid_request) when malformed."""
    if not any(op in update for op in OPERATIONS):
        raise BadRequest('An update needs at least one of "replace", "add" or "delete".')
    checked: dict[str, Any] = {}
    for op in ("replace", "add"):
        if op in update:
            checked[op] = _object_of_arrays(update[op], op)
    if "delete" in update:
        delete = update["delete"]
        if isinstance(delete, list):
            if not all(isinstance(name, str) for name in delete):
                raise BadRequest('"delete" as an array must list property names.')
            checked["delete"] = delete
        else:
            checked["delete"] = _object_of_arrays(delete, "delete")
    return checked


def _same(name: str, stored: Any, removing: Any) -> bool:
    if name == "category" and isinstance(stored, str) and isinstance(removing, str):
        return normalize_tag(stored) == normalize_tag(removing)
    return stored == removing


def apply_operations(props: dict[str, list], ops: dict[str, Any]) -> dict[str, list]:
    """The properties after ``replace``, then ``add``, then ``delete`` (``props`` is untouched)."""
    result = copy.deepcopy(props)
    for name, values in ops.get("replace", {}).items():
        result[name] = copy.deepcopy(values)
    for name, values in ops.get("add", {}).items():
        result.setdefault(name, []).extend(copy.deepcopy(values))
    delete = ops.get("delete", [])
    if isinstance(delete, list):
        for name in delete:
            result.pop(name, None)
    else:
        for name, values in delete.items():
            if name in result:
                result[name] = [
                    v for v in result[name] if not any(_same(name, v, r) for r in values)
                ]
    return {name: values for name, values in result.items() if values}
