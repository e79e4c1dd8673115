from __future__ import annotations

import pytest

from .receivers import HttpReceiver, SmtpReceiver


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    r = HttpReceiver().start()
    yield r
    r.stop()


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    server = SmtpReceiver().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()
