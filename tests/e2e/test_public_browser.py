"""The public site in a real browser (Debian's chromium through Playwright), light and dark.

A real server (``starpunk serve``) on a free port serves a seeded site; screenshots of the
home page and an article at desktop and phone width, in light and dark mode, go to
``test-artifacts/``. The pages must work without JavaScript and log no console errors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_sync
import pytest

from starpunk.database import get_db
from starpunk.notes import create_note
from tests.conftest import TEST_SECRET, free_port, running_server
from tests.e2e.test_admin_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ARTICLE = """Difference engines compute **tables** by finite differences.

## How it works

> The engine can only do what we order it to perform.

| Step | Value |
|---|---|
| 1 | 42 |

```python
print("hello")
```
"""


@pytest.fixture
def site(tmp_path: Path, app_factory: Any) -> Iterator[str]:
    """A running StarPunk with a few posts; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    settings = {"SITE_URL": url, "SITE_NAME": "Ada's Notes", "SITE_AUTHOR": "Ada Lovelace",
                "SITE_DESCRIPTION": "Notes on engines and poetry.",
                "REL_ME": "https://github.com/ada"}
    data = tmp_path / "data"
    app = app_factory(DATA_PATH=data, **settings)
    with app.app_context():
        create_note(get_db(), data, content="Short note with a #tag and a [link](https://e.org/).",
                    tags=["engines"])
        create_note(get_db(), data, content=ARTICLE, name="On the Analytical Engine",
                    tags=["engines", "history"])
        create_note(get_db(), data, content="Lovely!",
                    properties={"like-of": ["https://other.example/post"]})
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_PATH": str(data),
           "SESSION_SECRET": TEST_SECRET, **{k: str(v) for k, v in settings.items()}}
    with running_server(env, port, tmp_path, workers=1):
        yield url


def test_public_pages_render_in_light_and_dark(site: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            backgrounds: dict[str, str] = {}
            for scheme in ("light", "dark"):
                context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
                page = context.new_page()
                errors: list[str] = []

                def record(message: Any, errors: list[str] = errors) -> None:
                    if message.type == "error":
                        errors.append(message.text)

                page.on("console", record)
                page.goto(site)
                assert page.locator(".h-entry").count() == 3
                assert page.locator("script").count() == 0  # nothing needs JavaScript
                backgrounds[scheme] = page.evaluate(
                    "getComputedStyle(document.body).backgroundColor")
                page.click("text=On the Analytical Engine")
                assert page.url == site + "notes/on-the-analytical-engine"
                assert page.locator("table").count() == 1 and page.locator("pre code").count()
                for name, path in (("home", ""), ("article", "notes/on-the-analytical-engine")):
                    page.goto(site + path)
                    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
                        page.set_viewport_size(size)
                        page.screenshot(path=str(ARTIFACTS / f"public-{name}-{scheme}-{label}.png"),
                                        full_page=True)
                    page.set_viewport_size(DESKTOP)
                page.goto(site + "search?q=engine")
                assert page.locator(".search-results li").count() == 2
                assert errors == []
                context.close()
            assert backgrounds["light"] != backgrounds["dark"]  # prefers-color-scheme works
        finally:
            browser.close()
