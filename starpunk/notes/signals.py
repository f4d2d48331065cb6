"""The post-saved hook: side effects (caches, search, webmentions, WebSub) hang off this.

``post_saved.send(note, action=..., previous=...)`` is sent after the write has committed,
with ``action`` one of ``"create"``, ``"update"``, ``"delete"``, ``"undelete"`` and
``previous`` the note as it was before an update (None otherwise). Receivers run
in the writer's request: they should be quick (enqueue a job) and must not raise.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

post_saved = _signals.signal("post-saved")
