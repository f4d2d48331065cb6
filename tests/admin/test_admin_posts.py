"""Writing in the admin: dashboard, editor, preview, publish, drafts, trash, flashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from starpunk.database import get_db
from starpunk.notes import create_note, get_note
from tests.auth.helpers import csrf_token, login_owner


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    client = app.test_client()
    login_owner(app, client)
    return client


def _post(client: FlaskClient, url: str, **data: str):  # noqa: ANN202
    return client.post(url, data={"csrf_token": csrf_token(client, "/admin/"), **data})


def _note(app: Flask, slug: str):  # noqa: ANN202
    with app.app_context():
        return get_note(get_db(), slug)


def _seed(app: Flask, count: int, **kwargs: str) -> None:
    with app.app_context():
        for number in range(count):
            create_note(get_db(), app.config["DATA_PATH"], content=f"Seed {number}", **kwargs)


def test_preview_renders_without_saving(app: Flask, owner: FlaskClient) -> None:
    resp = _post(owner, "/admin/new", title="", content="Hello *there* <script>x</script>",
                 tags="Summer Trip, #IndieWeb", action="preview")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<em>there</em>" in html and "<script>x" not in html
    assert "#summer-trip" in html and "#indieweb" in html
    assert "Hello *there*" in html  # the form keeps the text
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_publish_a_note_with_tags(app: Flask, owner: FlaskClient) -> None:
    resp = _post(owner, "/admin/new", content="First note", tags="Summer Trip, indieweb, ",
                 action="publish")
    assert resp.status_code == 303
    slug = resp.headers["Location"].rsplit("/", 1)[1]
    note = _note(app, slug)
    assert note.status == "published" and note.kind == "note"
    assert note.tags == ["summer-trip", "indieweb"]
    page = owner.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Published “First note”." in page
    assert 'value="summer-trip, indieweb"' in page
    assert re.search(r'id="slug"[^>]*readonly', page)


def test_article_with_custom_slug_then_edit(app: Flask, owner: FlaskClient) -> None:
    resp = _post(owner, "/admin/new", title="My Article", content="Body", slug="my-custom",
                 action="publish")
    assert resp.headers["Location"] == "http://localhost/admin/posts/my-custom"
    assert _note(app, "my-custom").kind == "article"
    resp = _post(owner, "/admin/posts/my-custom", title="My Article v2", content="New body",
                 tags="x", slug="attempted-change", action="publish")
    assert resp.status_code == 303
    note = _note(app, "my-custom")
    assert note.name == "My Article v2" and note.content == "New body" and note.updated
    assert _note(app, "attempted-change") is None  # published slugs are fixed
    assert "Updated “My Article v2”." in owner.get("/admin/posts/my-custom").get_data(
        as_text=True)


def test_draft_then_rename_then_publish(app: Flask, owner: FlaskClient) -> None:
    resp = _post(owner, "/admin/new", content="Not ready", slug="draft-one", action="draft")
    assert _note(app, "draft-one").status == "draft"
    assert "as a draft" in owner.get(resp.headers["Location"]).get_data(as_text=True)
    resp = _post(owner, "/admin/posts/draft-one", content="Ready", slug="final-name",
                 action="draft")
    assert resp.headers["Location"] == "http://localhost/admin/posts/final-name"
    resp = _post(owner, "/admin/posts/final-name", content="Ready", slug="final-name",
                 action="publish")
    assert _note(app, "final-name").status == "published"
    assert "Published" in owner.get(resp.headers["Location"]).get_data(as_text=True)


def test_editing_preview_does_not_save(app: Flask, owner: FlaskClient) -> None:
    _post(owner, "/admin/new", content="Original", slug="keep", action="publish")
    resp = _post(owner, "/admin/posts/keep", content="**Changed**", action="preview")
    assert "<strong>Changed</strong>" in resp.get_data(as_text=True)
    assert _note(app, "keep").content == "Original"


def test_invalid_input_redisplays_the_form(app: Flask, owner: FlaskClient) -> None:
    resp = _post(owner, "/admin/new", title="", content="   ", tags="a", action="publish")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "A post needs content" in html and 'value="a"' in html
    resp = _post(owner, "/admin/new", content="x", tags="t" * 80, action="preview")
    assert resp.status_code == 400 and "Tags are limited" in resp.get_data(as_text=True)


def test_delete_to_trash_and_restore(app: Flask, owner: FlaskClient) -> None:
    _post(owner, "/admin/new", content="Trash me", slug="gone-soon", action="publish")
    resp = _post(owner, "/admin/posts/gone-soon/delete")
    assert resp.headers["Location"] == "http://localhost/admin/"
    assert _note(app, "gone-soon").is_deleted
    assert (Path(app.config["DATA_PATH"]) / _note(app, "gone-soon").path).exists()  # soft
    page = owner.get("/admin/?status=deleted").get_data(as_text=True)
    assert "Moved “Trash me” to the trash." in page and "gone-soon/restore" in page
    editor = owner.get("/admin/posts/gone-soon").get_data(as_text=True)
    assert "in the trash" in editor and 'name="content"' not in editor
    refused = _post(owner, "/admin/posts/gone-soon", content="edit", action="publish")
    assert refused.status_code == 303 and _note(app, "gone-soon").content == "Trash me"
    resp = _post(owner, "/admin/posts/gone-soon/restore", next="/admin/?status=deleted")
    assert resp.headers["Location"] == "http://localhost/admin/?status=deleted"
    assert not _note(app, "gone-soon").is_deleted
    assert "Restored “Trash me”." in owner.get("/admin/").get_data(as_text=True)


def test_unknown_posts_are_404(owner: FlaskClient) -> None:
    assert owner.get("/admin/posts/nope").status_code == 404
    assert _post(owner, "/admin/posts/nope/delete").status_code == 404


def test_dashboard_filters(app: Flask, owner: FlaskClient) -> None:
    _seed(app, 2)
    _seed(app, 1, status="draft")
    with app.app_context():
        trashed = create_note(get_db(), app.config["DATA_PATH"], content="Binned")
    _post(owner, f"/admin/posts/{trashed.slug}/delete")

    def titles(query: str) -> set[str]:
        html = owner.get("/admin/" + query).get_data(as_text=True)
        return set(re.findall(r'class="post-title"[^>]*>([^<]+)<', html))

    assert titles("") == {"Seed 0", "Seed 1", "Binned"}
    assert titles("?status=published") == {"Seed 0", "Seed 1"}
    assert titles("?status=draft") == {"Seed 0"}
    assert titles("?status=deleted") == {"Binned"}
    html = owner.get("/admin/").get_data(as_text=True)
    assert re.search(r"Drafts <span class=\"count\">1</span>", html)
    assert owner.get("/admin/?status=bogus").status_code == 400


def test_dashboard_pages_by_keyset(app: Flask, owner: FlaskClient) -> None:
    _seed(app, 30)
    first = owner.get("/admin/").get_data(as_text=True)
    assert first.count('class="post-row') == 25
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = owner.get(older).get_data(as_text=True)
    assert second.count('class="post-row') == 5
    assert 'rel="next"' not in second
    newer = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    assert owner.get(newer).get_data(as_text=True).count('class="post-row') == 25
    assert owner.get("/admin/?before=garbage").status_code == 400


def test_posts_show_their_public_link_when_it_exists(app: Flask, owner: FlaskClient) -> None:
    _post(owner, "/admin/new", content="Public", slug="pub", action="publish")
    html = owner.get("/admin/").get_data(as_text=True)
    if "public.note" in app.view_functions:
        assert 'href="/notes/pub"' in html
    else:
        assert "/notes/pub" not in html
