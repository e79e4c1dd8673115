import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Service messages are checked in English (the catalogues are tested in tests/test_translations.py)."""
    with translation.override("en"):
        yield
