"""Micropub (W3C Recommendation): create, update, delete and undelete posts, and queries.

:mod:`.parse` normalises form, multipart and JSON bodies into one shape, :mod:`.mf2` maps
mf2 properties to note fields and back, :mod:`.update` applies replace/add/delete,
:mod:`.query` answers ``q=``, :mod:`.auth` checks bearer tokens and scopes, and
:mod:`.endpoint` is the ``/micropub`` view.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the Micropub endpoint (exempt from CSRF: it authenticates with bearer tokens)."""
    from starpunk.csrf import csrf
    from starpunk.micropub import endpoint

    app.register_blueprint(endpoint.bp)
    csrf.exempt(endpoint.endpoint)
