"""Notes: Markdown files on disk (the owner's copy) indexed by SQLite rows.

The functions take an explicit connection and ``DATA_PATH`` so they work without Flask:
:mod:`.store` writes and reads, :mod:`.search` searches, :mod:`.check` verifies and repairs,
:mod:`.render` turns Markdown into safe HTML and :mod:`.signals` announces saved posts.
"""

from starpunk.notes.model import Note
from starpunk.notes.store import (
    UNSET,
    NotePage,
    all_tags,
    content_version,
    create_note,
    delete_note,
    get_note,
    list_all,
    list_notes,
    undelete_note,
    update_note,
)

__all__ = [
    "UNSET",
    "Note",
    "NotePage",
    "all_tags",
    "content_version",
    "create_note",
    "delete_note",
    "get_note",
    "list_all",
    "list_notes",
    "undelete_note",
    "update_note",
]
