"""The owner's admin in a real browser: Debian's chromium driven by Playwright.

One real server (``starpunk serve``, gunicorn, two workers) on a free port; the owner
password is set with ``starpunk passwd`` on stdin. Screenshots of the dashboard and the
editor at desktop and phone width go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

from tests.conftest import TEST_SECRET, free_port, running_server
from tests.media.images import png

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "a long browser password"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A running StarPunk with an owner password; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_PATH": str(tmp_path / "data"),
           "SITE_URL": url, "SESSION_SECRET": TEST_SECRET, "SITE_NAME": "Browser Test"}
    done = subprocess.run([sys.executable, "-m", "starpunk", "passwd"], input=PASSWORD + "\n",
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with running_server(env, port, tmp_path):
        yield url


@pytest.fixture
def page(site: str) -> Iterator[object]:
    """A chromium page at desktop width."""
    assert Path(CHROMIUM).exists(), "install Debian's chromium: bash scripts/install-test-deps.sh"
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=DESKTOP)
            pg = context.new_page()
            pg.set_default_timeout(10_000)
            yield pg
            context.close()
        finally:
            browser.close()


def shoot(page, name: str) -> None:  # noqa: ANN001
    """Save a full-page screenshot at desktop and phone width, then go back to desktop."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"admin-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def flash(page) -> str:  # noqa: ANN001
    return page.locator(".flashes").inner_text()


def test_owner_writes_and_manages_posts(site: str, page) -> None:  # noqa: ANN001
    expect = playwright_sync.expect

    # Anonymous: the admin sends the browser to the login form.
    page.goto(site + "admin/")
    assert "/auth/login?next=/admin/" in page.url
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.locator(".flash-error")).to_have_text("That password is not correct.")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(site + "admin/")
    assert "Signed in." in flash(page)

    # A note with tags: preview first, then publish.
    page.click("a.new-post")
    page.fill("#content", "Hello from a *real* browser.")
    page.fill("#tags", "Browser Tests, e2e")
    page.click(".editor-actions button[value=preview]")
    expect(page.locator(".preview em")).to_have_text("real")
    expect(page.locator(".preview")).to_contain_text("#browser-tests")
    page.click("button[value=publish]")
    assert "Published “Hello from a real browser.”" in flash(page)
    note_url = page.url

    # An article with a title, previewed (screenshot of the editor with a preview), published.
    page.click("a.new-post")
    page.fill("#title", "A longer article")
    page.fill("#content", "## Part one\n\nSome **bold** words and a [link](https://example.com/).\n"
                          "\n- one\n- two\n")
    page.fill("#tags", "Long Reads")
    page.click(".editor-actions button[value=preview]")
    expect(page.locator(".preview-body h2")).to_have_text("Part one")
    shoot(page, "editor")
    page.click("button[value=publish]")
    assert "Published “A longer article”" in flash(page)
    expect(page.locator("#slug")).to_have_attribute("readonly", "")

    # Edit it.
    page.fill("#content", "## Part one, revised\n\nNew words.")
    page.click("button[value=publish]")
    assert "Updated “A longer article”" in flash(page)
    expect(page.locator("#content")).to_have_value("## Part one, revised\n\nNew words.")

    # Save a draft.
    page.click("a.new-post")
    page.fill("#content", "Half an idea")
    page.click("button[value=draft]")
    assert "as a draft" in flash(page)
    page.click("nav.admin-nav >> text=Posts")
    page.click("nav.filters >> text=Drafts")
    expect(page.locator(".post-title")).to_have_text(["Half an idea"])

    # Delete the note to the trash, then restore it.
    page.goto(note_url)
    page.click("text=Move to trash")
    assert "to the trash" in flash(page)
    page.click("nav.filters >> text=Trash")
    expect(page.locator(".post-title")).to_have_text(["Hello from a real browser."])
    page.click("button:has-text('Restore')")
    assert "Restored" in flash(page)
    page.click("nav.admin-nav >> text=Posts")
    expect(page.locator(".post-row")).to_have_count(3)
    shoot(page, "dashboard")

    # A photo post: attach an image with alt text, publish, see it on the permalink.
    page.click("a.new-post")
    page.fill("#content", "A picture from the browser")
    page.set_input_files("#photos", files=[
        {"name": "gradient.png", "mimeType": "image/png", "buffer": png()}])
    page.fill("#new-photo-alt", "A red and grey gradient")
    page.click("button[value=publish]")
    assert "Published “A picture from the browser”" in flash(page)
    expect(page.locator(".photo-thumb")).to_have_count(1)
    expect(page.locator("input[name=photo_alt]")).to_have_value("A red and grey gradient")
    shoot(page, "editor-photos")
    page.click("text=View on site")
    photo = page.locator("img.u-photo")
    expect(photo).to_have_attribute("alt", "A red and grey gradient")
    page.wait_for_function("() => { const img = document.querySelector('img.u-photo');"
                           " return img && img.complete && img.naturalWidth > 0; }")
    page.goto(site + "admin/")

    # Sessions page lists this browser.
    page.click("nav.admin-nav >> text=Sessions")
    expect(page.locator(".session-row")).to_contain_text("This browser")
    shoot(page, "sessions")

    # Sign out: back to the login page, and the admin is closed again.
    page.click("button:has-text('Sign out')")
    assert "Signed out." in flash(page)
    page.goto(site + "admin/")
    assert "/auth/login" in page.url
