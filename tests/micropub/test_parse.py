"""Form bracket syntax and JSON shapes normalise into the same Micropub request."""

from __future__ import annotations

import pytest

from starpunk.errors import BadRequest
from starpunk.micropub.parse import load_json, nest_form, parse_form, parse_json
from starpunk.micropub.update import apply_operations, check_operations


def test_plain_repeated_and_bracketed_keys() -> None:
    tree = nest_form([("content", "hi"), ("category", "a"), ("category", "b"),
                      ("tag[]", "x"), ("tag[]", "y"), ("n[1]", "one"), ("n[0]", "zero")])
    assert tree == {"content": ["hi"], "category": ["a", "b"], "tag": ["x", "y"],
                    "n": ["one", "zero"]}


def test_objects_and_malformed_brackets() -> None:
    tree = nest_form([("photo[value]", "https://x/p.jpg"), ("photo[alt]", "A"),
                      ("odd[", "1"), ("[lead]", "2"), ("a[b]c", "3")])
    assert tree == {"photo": {"value": "https://x/p.jpg", "alt": "A"},
                    "odd[": ["1"], "[lead]": ["2"], "a[b]c": ["3"]}


def test_form_and_json_give_the_same_request() -> None:
    form = parse_form([("h", "entry"), ("content[html]", "<b>x</b>"), ("category[]", "a"),
                       ("photo[value]", "https://x/p.jpg"), ("photo[alt]", "A"),
                       ("x-weight[type]", "h-measure"), ("x-weight[properties][num]", "70"),
                       ("mp-slug", "s"), ("access_token", "secret")])
    json_body = parse_json({"type": ["h-entry"], "properties": {
        "content": [{"html": "<b>x</b>"}], "category": ["a"],
        "photo": [{"value": "https://x/p.jpg", "alt": "A"}],
        "x-weight": [{"type": ["h-measure"], "properties": {"num": ["70"]}}],
        "mp-slug": ["s"]}})
    assert form == json_body
    assert "access_token" not in form.properties
    blank = parse_form([("h", "entry"), ("content", "x"), ("name", ""), ("photo[]", "")])
    assert blank.properties == {"content": ["x"]}


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("action", "update"), ("url", "u")], "Updates must be sent as JSON"),
        ([("action", "destroy"), ("url", "u")], "Unknown action"),
        ([("action", "delete")], "needs the post's url"),
        ([("h", "entry"), ("h", "card")], "single text value"),
    ],
)
def test_bad_forms(pairs: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_form(pairs)


@pytest.mark.parametrize(
    "body",
    [
        [], "x", {"type": "h-entry", "properties": {}}, {"type": ["h-entry"]},
        {"type": ["h-entry"], "properties": {"content": "not a list"}},
        {"action": "create", "url": "u"}, {"action": "delete"}, {"action": 3, "url": "u"},
    ],
)
def test_bad_json_shapes(body: object) -> None:
    with pytest.raises(BadRequest):
        parse_json(body)


def test_malformed_and_deep_json() -> None:
    for data in (b"{", b"\xff\xfe\x00", b"[" * 100_000, b'["\\ud800"]'):
        with pytest.raises(BadRequest, match="not valid JSON"):
            load_json(data)


@pytest.mark.parametrize(
    "update",
    [
        {}, {"replace": "text"}, {"replace": {"content": "text"}}, {"add": []},
        {"delete": [1]}, {"delete": "category"}, {"delete": {"category": "a"}},
    ],
)
def test_malformed_updates(update: dict) -> None:
    with pytest.raises(BadRequest):
        check_operations(update)


def test_operations_apply_in_order_without_touching_the_input() -> None:
    props = {"content": ["a"], "category": ["x", "y"], "photo": ["p"]}
    ops = check_operations({"replace": {"content": ["b"]}, "add": {"category": ["z"]},
                            "delete": {"category": ["X"], "photo": ["p"]}})
    assert apply_operations(props, ops) == {"content": ["b"], "category": ["y", "z"]}
    assert props == {"content": ["a"], "category": ["x", "y"], "photo": ["p"]}
    assert apply_operations(props, check_operations({"delete": ["photo", "nope"]})) == {
        "content": ["a"], "category": ["x", "y"]}
