"""Fill the Traditional Chinese catalogue (zh_Hant) from the Simplified one (zh_Hans) with OpenCC.

    .venv/bin/python scripts/i18n_hant.py            convert: fill/refresh zh_Hant from zh_Hans
    .venv/bin/python scripts/i18n_hant.py --check    exit 1 if zh_Hant is out of date (changes nothing)
    .venv/bin/python scripts/i18n_hant.py --all      makemessages + convert + compilemessages

Conversion: OpenCC "s2t" (Traditional characters, mainland vocabulary: 商機, 需求確認, 決策鏈), then
OpenCC "t2tw" for the character variants readers in Taiwan and Hong Kong expect (爲→為, 裏→裡, 啓→啟;
characters only, no vocabulary), then the project's own FIXES below (中臺, 帳號, 登入, 「」 quotes).

Hand-made zh_Hant entries are kept. Every zh_Hant entry carries one translator comment the script manages:
  ``s2t:<hans>:<hant>``  made by this script (hashes of the zh_Hans text and of the result). Regenerated
                         when zh_Hans changes, unless someone edited the zh_Hant text since: then it
                         becomes hand-made.
  ``hand:<hans>``        hand-made (reviewed). Kept as is; if the zh_Hans text changes later, the entry
                         is marked fuzzy for review (remove the fuzzy flag once it is right).
An entry with a translation and no such comment counts as hand-made. See docs/translations.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
from opencc import OpenCC

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "opphub"
LOCALE = PACKAGE / "locale"
HANS = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
HANT = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"

# Applied after OpenCC, in order: wrong or odd-reading results for our readers (Taiwan / Hong Kong).
FIXES: list[tuple[str, str]] = [
    ("中台", "中臺"),  # the product is 商機管理中臺
    ("覆盤", "復盤"),  # 復盤: a review of what happened (OpenCC picks 覆)
    ("求籤名", "求簽名"),
    ("后台", "後臺"),
    ("後台", "後臺"),
    ("賬號", "帳號"),
    ("賬戶", "帳戶"),
    ("退出登錄", "登出"),
    ("登錄", "登入"),
    ("“", "「"),
    ("”", "」"),
    ("‘", "『"),
    ("’", "』"),
]

_S2T = OpenCC("s2t")
_T2TW = OpenCC("t2tw")
_MARK = re.compile(r"^(s2t:[0-9a-f]{10}:[0-9a-f]{10}|hand:[0-9a-f]{10})$")


def to_hant(text: str) -> str:
    """Simplified -> Traditional as this project writes it (placeholders and HTML are ASCII: untouched)."""
    out = _T2TW.convert(_S2T.convert(text))
    for old, new in FIXES:
        out = out.replace(old, new)
    return out


def _digest(values: list[str]) -> str:
    return hashlib.sha1("\x00".join(values).encode()).hexdigest()[:10]  # noqa: S324 (not security)


def _key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _texts(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _set_texts(entry: polib.POEntry, values: list[str]) -> None:
    if entry.msgid_plural:
        entry.msgstr_plural = {0: values[0]}
    else:
        entry.msgstr = values[0]


def _split_comment(entry: polib.POEntry) -> tuple[list[str], str | None]:
    lines = entry.tcomment.splitlines() if entry.tcomment else []
    marks = [line for line in lines if _MARK.match(line.strip())]
    rest = [line for line in lines if not _MARK.match(line.strip())]
    return rest, (marks[-1].strip() if marks else None)


def _set_mark(entry: polib.POEntry, rest: list[str], mark: str) -> None:
    entry.tcomment = "\n".join([*rest, mark])


def fix_header(po: polib.POFile, language: str) -> None:
    """makemessages writes a fuzzy placeholder header; msgfmt ignores a fuzzy header (charset!)."""
    po.header = f"OppHub (商機管理中臺) — {language} catalogue. How to edit it: docs/translations.md."
    po.metadata["Language"] = language
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Project-Id-Version"] = "OppHub"
    for placeholder in ("Last-Translator", "Language-Team", "PO-Revision-Date"):
        po.metadata.pop(placeholder, None)
    po.metadata_is_fuzzy = False


def convert(hans: polib.POFile, hant: polib.POFile) -> list[str]:
    """Update ``hant`` in place; return one line per changed or noteworthy entry."""
    source = {_key(e): e for e in hans if not e.obsolete}
    notes: list[str] = []
    for entry in hant:
        if entry.obsolete:
            continue
        src = source.get(_key(entry))
        current = _texts(entry)
        if src is None or "fuzzy" in src.flags or not all(_texts(src)):
            if not all(current):
                notes.append(f"missing (translate zh_Hans first): {entry.msgid!r}")
            continue
        hans_hash = _digest(_texts(src))
        new = [to_hant(t) for t in _texts(src)]
        rest, mark = _split_comment(entry)
        fuzzy = "fuzzy" in entry.flags
        if mark and mark.startswith("s2t:") and all(current) and _digest(current) != mark.split(":")[2]:
            mark = f"hand:{mark.split(':')[1]}"  # the generated text was edited: hand-made from now on
            _set_mark(entry, rest, mark)
            notes.append(f"kept hand edit: {entry.msgid!r}")
        elif mark is None and all(current) and not fuzzy:
            mark = f"hand:{hans_hash}"
            _set_mark(entry, rest, mark)
            notes.append(f"kept hand-made: {entry.msgid!r}")
        if mark and mark.startswith("hand:"):
            if "fuzzy" in entry.flags:
                notes.append(f"needs review (fuzzy): {entry.msgid!r}")
            elif mark != f"hand:{hans_hash}":
                entry.flags.append("fuzzy")
                _set_mark(entry, rest, f"hand:{hans_hash}")
                notes.append(f"zh_Hans changed, review it and remove the fuzzy flag: {entry.msgid!r}")
            continue
        # generated, new, or a fuzzy guess from msgmerge: (re)generate from zh_Hans
        new_mark = f"s2t:{hans_hash}:{_digest(new)}"
        if current != new or fuzzy or mark != new_mark:
            _set_texts(entry, new)
            if fuzzy:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            _set_mark(entry, rest, new_mark)
            if current != new:
                notes.append(f"converted: {entry.msgid!r} -> {new[0]!r}")
    return notes


def _fingerprint(po: polib.POFile) -> tuple[object, ...]:
    """What the catalogue says, ignoring line wrapping and the POT date."""
    meta = {k: v for k, v in po.metadata.items() if k != "POT-Creation-Date"}
    entries = [(e.msgctxt, e.msgid, e.msgid_plural, e.msgstr, sorted(e.msgstr_plural.items()), sorted(e.flags),
                e.tcomment, e.obsolete) for e in po]
    return (po.header, sorted(meta.items()), bool(po.metadata_is_fuzzy), entries)


def _rewrap(path: Path) -> None:
    """Wrap lines as msgmerge does, so that makemessages and this script do not fight over line breaks."""
    msgcat = shutil.which("msgcat")
    if msgcat:
        subprocess.run([msgcat, "--width=79", "-o", str(path), str(path)], check=True)  # noqa: S603


def _run(*args: str) -> None:
    env = {**os.environ}
    subprocess.run([str(ROOT / ".venv" / "bin" / "opphub"), *args], cwd=PACKAGE, check=True, env=env)  # noqa: S603


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, change nothing, exit 1 if out of date")
    parser.add_argument("--all", action="store_true", help="makemessages, convert, compilemessages")
    args = parser.parse_args(argv)
    if args.all:
        _run("makemessages", "-l", "zh_Hans", "-l", "zh_Hant", "--no-obsolete", "--ignore=*/migrations/*")
    hans = polib.pofile(str(HANS), wrapwidth=79)
    hant = polib.pofile(str(HANT), wrapwidth=79)
    before = (_fingerprint(hans), _fingerprint(hant))
    fix_header(hans, "zh_Hans")
    fix_header(hant, "zh_Hant")
    notes = convert(hans, hant)
    for line in notes:
        print(line)
    changed = before != (_fingerprint(hans), _fingerprint(hant))
    untranslated = [e.msgid for e in hans if not e.obsolete and (not all(_texts(e)) or "fuzzy" in e.flags)]
    if untranslated:
        print(f"zh_Hans: {len(untranslated)} entries untranslated or fuzzy (translate them, then rerun)")
    if args.check:
        print("zh_Hant is out of date: run scripts/i18n_hant.py" if changed else "zh_Hant is up to date")
        return 1 if changed else 0
    if changed:
        for po in (hans, hant):
            po.save()
            _rewrap(Path(po.fpath))
    if args.all:
        _run("compilemessages", "-l", "zh_Hans", "-l", "zh_Hant")
    return 0


if __name__ == "__main__":
    sys.exit(main())
