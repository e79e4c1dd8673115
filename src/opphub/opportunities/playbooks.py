"""Playbooks in the database: stored versions, pipelines, and the parsed playbook of a record."""

from __future__ import annotations

import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import QuerySet

from opphub.methodology.playbook import Playbook, PlaybookError, load_playbook_dir, parse_playbook

from .models import Pipeline, PlaybookVersion


def validate_playbook_files() -> dict[str, Playbook]:
    """Parse every playbook file; a bad one stops start-up naming the file, key and problem."""
    try:
        return load_playbook_dir(settings.OPPHUB_PLAYBOOK_DIR)
    except PlaybookError as exc:
        raise ImproperlyConfigured(f"Playbook error in {exc}") from exc


_PARSED: dict[str, Playbook] = {}  # digest -> parsed playbook (the oldest dropped past _PARSED_MAX)
_PARSED_MAX = 64
_PARSING = threading.Lock()


def playbook_of(version: PlaybookVersion) -> Playbook:
    """The parsed playbook a stored version holds (parsed once per process).

    Keyed by the version's digest (the SHA-256 of its text; a stored version never changes), so a
    caller may load the version with ``content`` deferred: the text is read — one more query —
    only when this process has not parsed that digest yet.
    """
    book = _PARSED.get(version.digest)
    if book is None:
        book = parse_playbook(version.content, source=f"stored playbook {version.digest[:8]}")
        with _PARSING:
            while len(_PARSED) >= _PARSED_MAX:
                del _PARSED[next(iter(_PARSED))]
            _PARSED[version.digest] = book
    return book


class PlaybookChangedWithoutNewVersion(ImproperlyConfigured):
    pass


@transaction.atomic
def playbooks_sync() -> list[str]:
    """Store every playbook file's version; point each pipeline at its playbook's newest version.

    A file whose text changed while its ``meta.version`` stayed the same is refused: running
    opportunities must be able to trust that the version they record means one set of rules.
    Creates the default pipeline (``standard``) when there is none. Returns lines of what it did.
    """
    done: list[str] = []
    books = validate_playbook_files()
    directory = settings.OPPHUB_PLAYBOOK_DIR
    for path in sorted(directory.glob("*.toml")):
        content = path.read_text(encoding="utf-8")
        book = parse_playbook(content, source=path.name)
        stored = PlaybookVersion.objects.filter(key=book.key, version=book.version).first()
        if stored is None:
            stored = PlaybookVersion.objects.create(key=book.key, version=book.version, content=content,
                                                    digest=book.digest)
            done.append(f"stored playbook {book.key} {book.version}")
        elif stored.digest != book.digest:
            raise PlaybookChangedWithoutNewVersion(
                f"{path.name}: meta.version: the file changed but its version is still {book.version!r}; "
                "give it a new version so running opportunities keep the rules they started under")
        updated = Pipeline.objects.filter(playbook_key=book.key).exclude(current_version=stored).update(
            current_version=stored)
        if updated:
            done.append(f"{updated} pipeline(s) now run {book.key} {book.version}")
    if not Pipeline.objects.exists():
        key = "standard" if "standard" in books else sorted(books)[0]
        version = PlaybookVersion.objects.filter(key=key, version=books[key].version).get()
        Pipeline.objects.create(key=key, name=books[key].name.zh_hans, playbook_key=key,
                                current_version=version, is_default=True)
        done.append(f"created pipeline {key}")
    return done


def default_pipeline() -> Pipeline:
    pipeline = with_current_version().filter(is_default=True).first()
    if pipeline is None:
        pipeline = with_current_version().order_by("id").first()
    if pipeline is None:
        playbooks_sync()
        return default_pipeline()
    return pipeline


def with_current_version() -> QuerySet[Pipeline]:
    """Pipelines with their current version, without its text (``playbook_of`` reads it when needed)."""
    return Pipeline.objects.select_related("current_version").defer("current_version__content")
