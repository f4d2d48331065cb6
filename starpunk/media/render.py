"""Responsive ``<img>`` markup: ``srcset``/``sizes``, width and height, lazy loading."""

from __future__ import annotations

from markupsafe import Markup, escape

from starpunk.media.store import Media

#: The content column is 40rem wide with 1rem padding each side (see static/style.css).
DEFAULT_SIZES = "(max-width: 40rem) calc(100vw - 2rem), 38rem"


def srcset(media: Media) -> str:
    """``srcset`` candidates: every width variant plus the original, absolute URLs."""
    candidates = [(v.width, v.absolute_url) for v in media.variants if v.name != "thumb"]
    candidates.append((media.width, media.absolute_url))
    return ", ".join(f"{url} {width}w" for width, url in sorted(candidates))


def img_html(
    media: Media, alt: str, *, sizes: str = DEFAULT_SIZES, css_class: str = "u-photo"
) -> Markup:
    """An ``<img>`` for ``media`` that reserves its box (no layout shift) and loads lazily."""
    attributes = [
        ("src", media.absolute_url),
        ("alt", alt),
        ("width", str(media.width)),
        ("height", str(media.height)),
        ("loading", "lazy"),
        ("decoding", "async"),
    ]
    if any(variant.name != "thumb" for variant in media.variants):
        attributes[1:1] = [("srcset", srcset(media)), ("sizes", sizes)]
    if css_class:
        attributes.append(("class", css_class))
    inner = " ".join(f'{name}="{escape(value)}"' for name, value in attributes)
    return Markup(f"<img {inner}>")
