"""Django's guard against database access from a running event loop stays on in the suite.

The browser tests lift it for themselves only (tests/browser/conftest.py); this file runs after
them in a whole-suite run, so a lifted guard that leaked would fail here.
"""

import asyncio
import os

import pytest
from django.core.exceptions import SynchronousOnlyOperation

from claims.models import Claim


def test_database_access_from_an_event_loop_is_refused(db):
    async def count() -> int:
        return Claim.objects.count()

    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(count())
