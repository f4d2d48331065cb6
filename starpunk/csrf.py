"""CSRF protection for every state-changing form (Flask-WTF), bound to the browser session.

API blueprints that authenticate with bearer tokens (Micropub, the IndieAuth token,
introspection and revocation endpoints, Webmention) are exempted with
``csrf.exempt(blueprint)`` where they are defined.
"""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
