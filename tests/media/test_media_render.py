"""Responsive ``<img>`` markup for pages and feeds."""

from __future__ import annotations

import io

from flask import Flask, render_template_string
from lxml import html as lxml_html
from werkzeug.datastructures import FileStorage

from starpunk.database import get_db
from starpunk.media import save_upload
from tests.media import images


def stored(app: Flask, data: bytes):
    return save_upload(get_db(), app.config["DATA_PATH"], FileStorage(io.BytesIO(data)))


def test_img_has_srcset_sizes_dimensions_and_lazy_loading(app: Flask) -> None:
    with app.test_request_context():
        media = stored(app, images.encode(images.gradient(1600, 900), "JPEG"))
        markup = render_template_string("{{ media_img(m, alt) }}", m=media, alt='A "quoted" <b>')
        src = media.absolute_url
    (img,) = lxml_html.fragments_fromstring(markup)
    assert img.get("src") == src
    assert img.get("alt") == 'A "quoted" <b>'
    assert (img.get("width"), img.get("height")) == ("1600", "900")
    assert img.get("loading") == "lazy" and img.get("decoding") == "async"
    assert "u-photo" in img.get("class")
    candidates = [c.strip().rsplit(" ", 1) for c in img.get("srcset").split(",")]
    assert [w for _url, w in candidates] == ["320w", "640w", "1280w", "1600w"]
    assert all(url.startswith("http://localhost/media/") for url, _w in candidates)
    assert img.get("sizes")


def test_small_or_animated_images_get_no_srcset(app: Flask) -> None:
    with app.test_request_context():
        small = stored(app, images.png(100, 100))
        animated = stored(app, images.animated_gif())
        for media in (small, animated):
            (img,) = lxml_html.fragments_fromstring(
                str(render_template_string("{{ media_img(m, 'x') }}", m=media))
            )
            assert img.get("srcset") is None and img.get("width")
