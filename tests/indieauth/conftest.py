"""IndieAuth test fixtures."""

from __future__ import annotations

from typing import Any

import pytest

from starpunk.indieauth import external


@pytest.fixture(autouse=True)
def _fresh_caches() -> Any:
    external.clear_caches()
    yield
    external.clear_caches()
