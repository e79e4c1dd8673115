"""The demo's document files: one small, valid PDF per document type (and one for the customer's
confirmations) under ``MEDIA_ROOT/demo/``. Every demo document row points at these shared files, so a
1,500-opportunity demo writes a dozen files, not thousands.

The PDFs are written by hand (no library): an A4 page with the title in Chinese (Adobe's standard
STSong-Light CJK font, not embedded, so the files stay tiny) and in English (Helvetica).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

DEMO_DIR = "demo"  # under MEDIA_ROOT; the FileField stores "demo/<name>.pdf"
CONFIRMATION = "confirmation"


@dataclass(frozen=True)
class DemoFile:
    name: str  # relative to MEDIA_ROOT
    size: int
    sha256: str


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(title_zh: str, title_en: str, subtitle: str = "") -> bytes:
    """A one-page PDF with a Chinese and an English title (and a small English subtitle)."""
    zh = title_zh.encode("utf-16-be").hex().upper()
    stream = (f"BT /F2 26 Tf 72 740 Td <{zh}> Tj ET\n"
              f"BT /F1 18 Tf 72 706 Td ({_ascii(title_en)}) Tj ET\n"
              f"BT /F1 10 Tf 72 684 Td ({_ascii(subtitle)}) Tj ET\n"
              "0.6 w 72 670 m 523 670 l S\n").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [7 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 8 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write_demo_files(media_root: Path, titles: dict[str, tuple[str, str]]) -> dict[str, DemoFile]:
    """Write ``demo/<key>.pdf`` for each document type (``titles``: key → (Chinese, English)) and
    ``demo/confirmation.pdf``; return each file's stored name, size and SHA-256."""
    folder = Path(media_root) / DEMO_DIR
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    wanted = {**titles, CONFIRMATION: ("客户签字确认（扫描件）", "Customer's signed confirmation (scan)")}
    for key, (zh, en) in wanted.items():
        data = pdf_bytes(zh, en, f"OppHub demo document - {key}")
        path = folder / f"{key}.pdf"
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
        files[key] = DemoFile(f"{DEMO_DIR}/{key}.pdf", len(data), hashlib.sha256(data).hexdigest())
    return files
