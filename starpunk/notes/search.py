"""Full-text search: FTS5 with bm25 ranking and escaped, highlighted snippets; LIKE fallback.

User input never reaches ``MATCH`` as syntax: words are extracted and each is quoted, so
``NEAR``, ``*``, ``-`` or column filters are just text. Snippets are HTML-escaped and only
the ``<mark>`` tags we insert are markup.
"""

from __future__ import annotations

import html
import re
import sqlite3
from dataclasses import dataclass, field

from starpunk.errors import BadRequest
from starpunk.notes.fts import MARK_END, MARK_START, fts_available
from starpunk.notes.model import Note
from starpunk.notes.rows import N_COLUMNS, note_from_row

__all__ = ["SearchResults", "fts_available", "search_notes", "validate_query"]

MIN_QUERY, MAX_QUERY = 2, 200
MAX_TERMS = 16
MAX_OFFSET = 10_000
SNIPPET_TOKENS = 24
_SNIPPET_CHARS = 80
_WORD = re.compile(r"\w+")
_VISIBILITY = {
    False: "n.deleted_at IS NULL AND n.status = 'published'",
    True: "n.deleted_at IS NULL",
}


@dataclass
class SearchResults:
    """One page of search hits: the total count and ``(note, snippet_html)`` pairs."""

    total: int = 0
    items: list[tuple[Note, str]] = field(default_factory=list)


def validate_query(q: str | None) -> str:
    """The trimmed query; :class:`BadRequest` unless it is 2–200 characters long."""
    text = (q or "").strip()
    if not MIN_QUERY <= len(text) <= MAX_QUERY:
        raise BadRequest(
            f"Search for something between {MIN_QUERY} and {MAX_QUERY} characters long."
        )
    return text


def query_terms(q: str) -> list[str]:
    """The distinct words of ``q`` (at most :data:`MAX_TERMS`); punctuation is dropped."""
    terms: list[str] = []
    for word in _WORD.findall(q):
        if word.casefold() not in (term.casefold() for term in terms):
            terms.append(word)
    return terms[:MAX_TERMS]


def search_notes(
    conn: sqlite3.Connection,
    q: str,
    *,
    include_drafts: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Search published (optionally draft) notes, deleted ones never; best matches first."""
    terms = query_terms(validate_query(q))
    if not 1 <= limit <= 100 or not 0 <= offset <= MAX_OFFSET:
        raise BadRequest("The search page is out of range.")
    if not terms:
        return SearchResults()
    where = _VISIBILITY[bool(include_drafts)]
    if fts_available(conn):
        return _search_fts(conn, terms, where, limit, offset)
    return _search_like(conn, terms, where, limit, offset)


def _highlight(snippet: str) -> str:
    return html.escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def _search_fts(
    conn: sqlite3.Connection, terms: list[str], where: str, limit: int, offset: int
) -> SearchResults:
    match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    base = (
        f"FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid WHERE notes_fts MATCH ? AND {where}"
    )
    total = conn.execute(f"SELECT count(*) {base}", (match,)).fetchone()[0]
    rows = conn.execute(
        f"SELECT {N_COLUMNS}, snippet(notes_fts, -1, ?, ?, '…', {SNIPPET_TOKENS}) AS snippet"
        f" {base} ORDER BY bm25(notes_fts, 5.0, 1.0, 3.0), n.published DESC, n.id DESC"
        " LIMIT ? OFFSET ?",
        (MARK_START, MARK_END, match, limit, offset),
    ).fetchall()
    return SearchResults(total, [(note_from_row(row), _highlight(row["snippet"])) for row in rows])


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_like(
    conn: sqlite3.Connection, terms: list[str], where: str, limit: int, offset: int
) -> SearchResults:
    clause = (
        "(coalesce(n.name, '') LIKE ? ESCAPE '\\' OR n.content LIKE ? ESCAPE '\\'"
        " OR n.tags LIKE ? ESCAPE '\\')"
    )
    conditions = " AND ".join([where] + [clause] * len(terms))
    params = [pattern for term in terms for pattern in [_like_pattern(term)] * 3]
    total = conn.execute(f"SELECT count(*) FROM notes n WHERE {conditions}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT {N_COLUMNS} FROM notes n WHERE {conditions}"
        " ORDER BY n.published DESC, n.id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    items = []
    for row in rows:
        note = note_from_row(row)
        items.append((note, _like_snippet(note, terms)))
    return SearchResults(total, items)


def _like_snippet(note: Note, terms: list[str]) -> str:
    """An escaped excerpt around the first match in the content (or name, or tags)."""
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    for text in (note.content, note.name or "", " ".join(note.tags)):
        found = pattern.search(text)
        if found:
            break
    else:
        return html.escape(note.content[: 2 * _SNIPPET_CHARS])
    start = max(0, found.start() - _SNIPPET_CHARS)
    end = min(len(text), found.end() + _SNIPPET_CHARS)
    window = " ".join(text[start:end].split())
    marked = pattern.sub(lambda m: MARK_START + m.group(0) + MARK_END, _strip_marks(window))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return _highlight(prefix + marked + suffix)


def _strip_marks(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")
