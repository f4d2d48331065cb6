"""Markdown → HTML, always passed through one explicit nh3 allow-list.

Rendering happens at write time; the store keeps the result in the row as a cache.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from starpunk.notes.slugs import SLUG_RE

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
        "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5",
        "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
        "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title", "hreflang", "id", "class"},
    "abbr": {"title"},
    "code": {"class"},
    "hr": {"class"},
    "img": {"src", "alt", "title", "width", "height"},
    "li": {"id", "class"},
    "ol": {"start", "reversed", "class"},
    "section": {"class"},
    "sup": {"class"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "time": {"datetime"},
}
#: Removed together with everything inside them.
CLEAN_CONTENT_TAGS = frozenset(
    {
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
        "noscript", "noembed", "noframes", "template", "svg", "math", "textarea", "select",
        "xmp", "plaintext", "title",
    }
)  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: The only class names kept, per tag (the footnote plugin's markup); code may name a language.
_CLASSES = {
    "a": {"footnote-backref"},
    "hr": {"footnotes-sep"},
    "li": {"footnote-item"},
    "ol": {"footnotes-list"},
    "section": {"footnotes"},
    "sup": {"footnote-ref"},
}
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,40}$")
_ALIGN_STYLE = re.compile(r"^\s*text-align\s*:\s*(left|right|center|justify|start|end)\s*;?\s*$")
_FOOTNOTE_ID = re.compile(r"^fn(?:ref)?(?:-[a-z0-9-]+-)?\d+(?::\d+)?$")
UGC_LINK_REL = "nofollow ugc noopener"

_markdown = (
    MarkdownIt("commonmark", {"html": True, "linkify": True, "typographer": False})
    .enable(["table", "strikethrough", "linkify"])
    .use(footnote_plugin)
)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id":
        return value if _FOOTNOTE_ID.match(value) else None
    if attribute == "style":
        align = _ALIGN_STYLE.match(value)
        return f"text-align:{align[1]}" if align else None
    if attribute == "class":
        allowed = _CLASSES.get(tag, set())
        kept = [
            name
            for name in value.split()
            if name in allowed or (tag == "code" and _LANGUAGE_CLASS.match(name))
        ]
        return " ".join(kept) or None
    return value


#: Attributes holding a URL that ``sanitize_html(..., base=...)`` makes absolute.
URL_ATTRIBUTES = frozenset({("a", "href"), ("img", "src")})


def sanitize_html(html: str, *, ugc: bool = False, base: str | None = None) -> str:
    """Reduce HTML to the allow-list; ``ugc=True`` adds ``rel="nofollow ugc"`` to links.

    With ``base``, every link and image URL is made absolute against it (for feeds).
    """

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        kept = _filter_attribute(tag, attribute, value)
        if base is not None and kept is not None and (tag, attribute) in URL_ATTRIBUTES:
            return urljoin(base, kept)
        return kept

    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel=UGC_LINK_REL if ugc else None,
        url_schemes=set(URL_SCHEMES),
    )


def render_markdown(text: str, *, doc_id: str | None = None) -> str:
    """CommonMark + tables, strikethrough, footnotes and autolinks, sanitized.

    ``doc_id`` (a slug) makes footnote anchors unique when several posts share a page.
    """
    env = {"docId": doc_id} if doc_id and SLUG_RE.match(doc_id) else {}
    return sanitize_html(_markdown.render(text, env))
