"""Photos stored on the site are shown with srcset, sizes, width and height."""

from __future__ import annotations

import io
from collections.abc import Callable

import lxml.html
import mf2py
from flask import Flask
from werkzeug.datastructures import FileStorage

from starpunk.database import get_db
from starpunk.media import save_upload
from starpunk.notes import Note
from tests.media.images import jpeg_with_gps


def test_own_photos_are_responsive(site: Flask, post: Callable[..., Note]) -> None:
    with site.test_request_context():
        media = save_upload(get_db(), site.config["DATA_PATH"],
                            FileStorage(io.BytesIO(jpeg_with_gps(1600, 1200, 1)), "a.jpg"))
        url = media.absolute_url
    note = post("A wide view", properties={"photo": [{"value": url, "alt": "The valley"}]})
    for path in (f"/notes/{note.slug}", "/"):
        html = site.test_client().get(path).get_data(as_text=True)
        img = lxml.html.fromstring(html).xpath("//article//div[@class='entry-photos']/img")[0]
        assert img.get("src") == url and img.get("alt") == "The valley"
        assert (img.get("width"), img.get("height")) == ("1600", "1200")
        assert img.get("loading") == "lazy" and "640w" in img.get("srcset")
        assert img.get("sizes")
        entry = next(i for i in mf2py.parse(doc=html)["items"] if "h-entry" in i["type"]
                     or "h-feed" in i["type"])
        props = entry["properties"] if "h-entry" in entry["type"] else (
            entry["children"][0]["properties"])
        assert props["photo"][0]["value"] == url and props["photo"][0]["alt"] == "The valley"
