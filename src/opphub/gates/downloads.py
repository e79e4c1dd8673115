"""Downloading a stage document (or the customer's confirmation attached to it): one answer for the page
and the API — the archive name ``NUMBER-S<n>-DOCTYPE.ext`` and a 404 when the file is missing."""

from __future__ import annotations

from django.http import FileResponse, Http404

from .models import Document


def download_name(document: Document, *, confirmation: bool) -> str:
    """The archive name; a confirmation keeps its own extension: ``NUMBER-S<n>-DOCTYPE-confirmation.ext``."""
    if not confirmation:
        return document.stored_name
    stored = document.confirmation.name or ""
    ext = stored.rsplit(".", 1)[-1] if "." in stored.rsplit("/", 1)[-1] else "bin"
    return f"{document.stored_name.rsplit('.', 1)[0]}-confirmation.{ext}"


def document_response(document: Document, *, confirmation: bool) -> FileResponse:
    """The file as an attachment under its archive name; 404 when there is none or it is gone from storage.
    The caller has already checked that the user may see the document's opportunity (``opphub/access.py``)."""
    stored = document.confirmation if confirmation else document.file
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=download_name(document, confirmation=confirmation),
                        content_type="application/octet-stream" if confirmation else document.content_type)
