"""The S5 archive folder as a ZIP: the latest upload of every document type and its customer
confirmation, named ``NUMBER-STAGE-DOCTYPE`` (the stored name; confirmations ``…-confirmation.ext``),
inside a folder named after the number, plus the lifecycle report PDF.

Built into a file on disk, one chunk at a time: a 20 MB × 10 document archive is never held in memory,
and the response streams the file (``FileResponse``), which deletes it when the download ends.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from typing import IO, Any
from zipfile import ZIP_DEFLATED, ZIP_STORED, ZipFile, ZipInfo

from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Document
from .uploads import SIGNATURES

CHUNK = 1024 * 1024
# formats that are compressed already: stored as they are (deflating them again costs time, saves nothing)
ALREADY_COMPRESSED = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".pptx"})
ZIP64_LIMIT = (1 << 31) - 1


@dataclass(frozen=True)
class Member:
    name: str  # the name inside the folder
    file: FieldFile
    size: int
    modified: datetime


def archive_zip_name(opportunity: Any) -> str:
    return f"{opportunity.number}-archive.zip"


def latest_documents_in_order(opportunity: Any) -> list[Document]:
    """The latest upload of each document type, in stage order (the stored names sort by S1…S5)."""
    latest: dict[str, Document] = {}
    for doc in Document.objects.filter(opportunity=opportunity).order_by("doc_type", "-uploaded_at", "-id"):
        latest.setdefault(doc.doc_type, doc)
    return sorted(latest.values(), key=lambda d: d.stored_name)


def confirmation_name(document: Document) -> str:
    """``2026-SH-001-S2-confirmation_sheet-confirmation.png``: the document's name with the extension of
    the evidence the customer sent (taken from its uploaded name; the stored file may carry another)."""
    base = PurePath(document.stored_name).stem
    ext = PurePath(document.confirmation_name or "").suffix.lower()
    if ext not in SIGNATURES:
        ext = PurePath(document.confirmation.name or "").suffix.lower()
    return f"{base}-confirmation{ext}"


def archive_members(opportunity: Any) -> list[Member]:
    members: list[Member] = []
    for doc in latest_documents_in_order(opportunity):
        if doc.file:
            members.append(Member(name=doc.stored_name, file=doc.file, size=doc.size, modified=doc.uploaded_at))
        if doc.confirmation:
            members.append(Member(name=confirmation_name(doc), file=doc.confirmation, size=0,
                                  modified=doc.confirmed_at or doc.uploaded_at))
    return members


def _info(name: str, modified: datetime) -> ZipInfo:
    local = timezone.localtime(modified)
    info = ZipInfo(name, date_time=(max(local.year, 1980), local.month, local.day, local.hour, local.minute,
                                    local.second))
    info.compress_type = ZIP_STORED if PurePath(name).suffix.lower() in ALREADY_COMPRESSED else ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_archive_zip(opportunity: Any, *, report_pdf: bytes, report_name: str, now: datetime,
                      target: IO[bytes]) -> list[str]:
    """Write the archive into ``target``; return the names written (folder included). A document whose
    file is gone from storage is listed in ``missing-files.txt`` instead of failing the download."""
    folder = opportunity.number
    written: list[str] = []
    missing: list[str] = []
    with ZipFile(target, "w", allowZip64=True) as zf:
        for member in archive_members(opportunity):
            arcname = f"{folder}/{member.name}"
            if arcname in written:
                continue
            try:
                source = member.file.open("rb")
            except (FileNotFoundError, OSError):
                missing.append(member.name)
                continue
            with source, zf.open(_info(arcname, member.modified), "w", force_zip64=member.size > ZIP64_LIMIT) as out:
                shutil.copyfileobj(source, out, CHUNK)
            written.append(arcname)
        report = f"{folder}/{report_name}"
        zf.writestr(_info(report, now), report_pdf)
        written.append(report)
        if missing:
            note = f"{folder}/missing-files.txt"
            text = _("These files are recorded but could not be found in the file storage:") + "\n" + "\n".join(
                missing) + "\n"
            zf.writestr(_info(note, now), text.encode("utf-8"))
            written.append(note)
    return written


def archive_zip_file(opportunity: Any, *, report_pdf: bytes, report_name: str, now: datetime) -> IO[bytes]:
    """The archive in an anonymous temporary file (gone once closed), rewound for reading."""
    handle = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 - the response closes it
    try:
        write_archive_zip(opportunity, report_pdf=report_pdf, report_name=report_name, now=now, target=handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle
