"""Upload checks for documents and evidence: size, extension and the file's own signature must agree."""

from __future__ import annotations

import hashlib
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# extension → accepted leading bytes (None: a text format, checked to be valid UTF-8/ASCII text)
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".msg": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".eml": None,
    ".txt": None,
}
CONTENT_TYPES = {
    ".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".msg": "application/vnd.ms-outlook",
    ".eml": "message/rfc822", ".txt": "text/plain",
}


def max_bytes() -> int:
    return int(getattr(settings, "OPPHUB_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def _human(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def check_upload(upload: Any, *, field: str = "file") -> tuple[str, str, str]:
    """Validate an uploaded file; return (extension, content type, sha256). Raises ValidationError
    with a translated reason naming the file."""
    if upload is None:
        raise ValidationError({field: _("Choose a file to upload.")})
    name = str(getattr(upload, "name", "") or "")
    ext = PurePath(name).suffix.lower()
    if ext not in SIGNATURES:
        raise ValidationError({field: _("“%(name)s” is not an accepted file type. Accepted: %(types)s.")
                               % {"name": name, "types": ", ".join(sorted(SIGNATURES))}})
    size = int(getattr(upload, "size", 0) or 0)
    if size == 0:
        raise ValidationError({field: _("“%(name)s” is empty.") % {"name": name}})
    if size > max_bytes():
        raise ValidationError({field: _("“%(name)s” is %(size)s; files up to %(max)s are accepted.")
                               % {"name": name, "size": _human(size), "max": _human(max_bytes())}})
    upload.seek(0)
    head = upload.read(4096)
    expected = SIGNATURES[ext]
    if expected is None:
        if b"\x00" in head:
            raise ValidationError({field: _("“%(name)s” does not look like a %(ext)s file.")
                                   % {"name": name, "ext": ext}})
    elif not head.startswith(expected):
        raise ValidationError({field: _("“%(name)s” does not look like a %(ext)s file.") % {"name": name, "ext": ext}})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return ext, CONTENT_TYPES[ext], digest.hexdigest()
