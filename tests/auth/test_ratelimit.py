"""The SQLite-backed rate limiter shared by every worker."""

from __future__ import annotations

import pytest
import time_machine
from flask import Flask

from starpunk.database import get_db
from starpunk.errors import RateLimited
from starpunk.ratelimit import check_rate, reset_rate


def test_limit_then_retry_after_counts_down(app: Flask) -> None:
    with app.app_context(), time_machine.travel("2030-01-01 00:00:00Z", tick=False) as t:
        for _ in range(3):
            check_rate("test", "a", 3, 60)
            t.shift(10)
        with pytest.raises(RateLimited) as refused:
            check_rate("test", "a", 3, 60)
        assert refused.value.status == 429
        assert refused.value.headers == {"Retry-After": "30"}  # the first hit leaves at +60
        t.shift(30)
        check_rate("test", "a", 3, 60)  # a sliding window: one slot is free again


def test_refused_requests_are_not_counted(app: Flask) -> None:
    with app.app_context(), time_machine.travel("2030-01-01 00:00:00Z", tick=False) as t:
        check_rate("test", "a", 1, 60)
        for _ in range(5):
            t.shift(5)
            with pytest.raises(RateLimited):
                check_rate("test", "a", 1, 60)
        t.shift(35)
        check_rate("test", "a", 1, 60)


def test_buckets_and_keys_are_independent(app: Flask) -> None:
    with app.app_context():
        check_rate("login", "a", 1, 60)
        check_rate("login", "b", 1, 60)
        check_rate("token", "a", 1, 60)
        with pytest.raises(RateLimited):
            check_rate("login", "a", 1, 60)
        reset_rate("login", "a")
        check_rate("login", "a", 1, 60)


def test_old_rows_are_pruned(app: Flask) -> None:
    with app.app_context(), time_machine.travel("2030-01-01 00:00:00Z", tick=False) as t:
        for key in "abcdef":
            check_rate("test", key, 5, 60)
        t.shift(61)
        check_rate("other", "z", 5, 10)
        rows = get_db().execute("SELECT bucket, key FROM rate_hits").fetchall()
        assert [tuple(r) for r in rows] == [("other", "z")]


def test_works_inside_an_open_transaction(app: Flask) -> None:
    with app.app_context():
        conn = get_db()
        conn.execute("BEGIN IMMEDIATE")
        check_rate("test", "a", 1, 60)
        conn.execute("COMMIT")
        with pytest.raises(RateLimited):
            check_rate("test", "a", 1, 60)


def test_shared_between_two_apps_on_one_database(app_factory, tmp_path) -> None:  # noqa: ANN001
    one = app_factory(DATA_PATH=tmp_path / "d")
    two = app_factory(DATA_PATH=tmp_path / "d")
    with one.app_context():
        check_rate("test", "a", 2, 60)
    with two.app_context():
        check_rate("test", "a", 2, 60)
    with one.app_context(), pytest.raises(RateLimited):
        check_rate("test", "a", 2, 60)
