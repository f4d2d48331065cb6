"""Every public page type passes the Nu HTML checker (vnu-jar on the machine's Java)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from starpunk.database import get_db
from starpunk.notes import Note, delete_note
from tests.auth.helpers import login_owner

VNU = Path(__file__).resolve().parents[2] / "tools/node_modules/vnu-jar/build/dist/vnu.jar"


def validate(pages: dict[str, str], tmp_path: Path) -> list[str]:
    """Run the Nu checker once over every page; its errors as ``name: message`` lines."""
    assert VNU.exists(), "run scripts/install-test-deps.sh (it installs vnu-jar)"
    files = []
    for name, html in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_text(html)
        files.append(str(path))
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    return [f"{Path(m.get('url', '')).stem}: {m['message']} ({m.get('extract', '')!r})"
            for m in messages]


def test_every_page_type_is_valid_html(site: Flask, post: Callable[..., Note],
                                       tmp_path: Path) -> None:
    notes = {
        "note": post("A plain note with a [link](https://example.org/) and `code`",
                     tags=["Misc", "Indie Web"]),
        "article": post("# Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1]\n\n[^1]: A note.",
                        name="A long article"),
        "reply": post("Agreed!", properties={"in-reply-to": ["https://other.example/post"]}),
        "like": post("Nice", properties={"like-of": ["https://other.example/liked"]}),
        "bookmark": post("Read later", properties={"bookmark-of": ["https://other.example/b"]}),
        "repost": post("Worth it", properties={"repost-of": ["https://other.example/r"]}),
        "photo": post("Look", properties={"photo": [
            {"value": "https://example.test/media/a.jpg", "alt": "A view"}]}),
    }
    draft = post("Private thoughts", status="draft")
    gone = post("Regretted")
    with site.app_context():
        delete_note(get_db(), site.config["DATA_PATH"], gone.slug)
    for i in range(6):
        post(f"Filler post {i}", tags=["misc"])
    reader = site.test_client()
    owner = site.test_client()
    login_owner(site, owner)
    paths = {f"permalink-{kind}": f"/notes/{note.slug}" for kind, note in notes.items()}
    paths |= {"home": "/", "tag": "/tags/misc", "tags": "/tags/", "search-empty": "/search",
              "search": "/search?q=post", "search-error": "/search?q=x",
              "not-found": "/notes/none", "gone": f"/notes/{gone.slug}"}
    pages = {name: reader.get(path).get_data(as_text=True) for name, path in paths.items()}
    older = reader.get("/").get_data(as_text=True).split('<a rel="next" href="')[1].split('"')[0]
    pages["home-page-2"] = reader.get(older.replace("&amp;", "&")).get_data(as_text=True)
    pages["draft-owner"] = owner.get(f"/notes/{draft.slug}").get_data(as_text=True)
    assert validate(pages, tmp_path) == []
