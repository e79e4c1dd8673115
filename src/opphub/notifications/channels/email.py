"""Email over Django's SMTP backend, with a stable Message-ID made from the idempotency key, so a
resend after a crash carries the same Message-ID and mail clients show it once."""

from __future__ import annotations

import hashlib
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from .base import Outgoing, PermanentError, TransientError


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@opphub.notifications>"


def build(message: Outgoing) -> EmailMessage:
    return EmailMessage(
        subject=message.subject, body=message.text(), from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.email], headers={"Message-ID": message_id(message.key)},
    )


def send(message: Outgoing) -> None:
    if not message.email:
        raise PermanentError("the recipient has no email address")
    try:
        validate_email(message.email)
    except ValidationError:
        raise PermanentError(f"malformed email address: {message.email!r}") from None
    try:
        sent = get_connection(fail_silently=False).send_messages([build(message)])
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"SMTP refused the recipient: {exc.recipients}") from exc
    except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and refused connections
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc
    if not sent:
        raise TransientError("the mail backend sent nothing")
