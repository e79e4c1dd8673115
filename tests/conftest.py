"""Shared fixtures: an organisation with every role, two teams under a manager, a director."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

from opphub.people.models import Role, User

from .factories import RegionFactory, TeamFactory, UserFactory


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    on_pg = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
    for item in items:
        if "postgres" in item.keywords and not on_pg:
            item.add_marker(skip_pg)


@dataclass
class Org:
    """Sales org: East (manager m1) has sub-team East-2 (rep r3); West (manager m2) has rep r2."""

    region: object
    east: object
    east2: object
    west: object
    director: User
    admin: User
    m1: User
    m2: User
    r1: User
    r2: User
    r3: User
    presales: User
    cs: User
    finance: User
    legal: User

    def by_role(self) -> dict[str, User]:
        return {"rep": self.r1, "presales": self.presales, "cs": self.cs, "manager": self.m1,
                "director": self.director, "finance": self.finance, "legal": self.legal, "admin": self.admin}


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    """Cached aggregates (e.g. stage averages) must not leak from one test's data into another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploaded documents go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db) -> Org:  # type: ignore[no-untyped-def]
    from opphub.opportunities.playbooks import playbooks_sync

    playbooks_sync()
    region = RegionFactory(code="SH", name="上海")
    m1 = UserFactory(username="m1", display_name="王经理", role=Role.MANAGER)
    m2 = UserFactory(username="m2", display_name="李经理", role=Role.MANAGER)
    east = TeamFactory(name="华东一部", manager=m1)
    east2 = TeamFactory(name="华东二部", parent=east)
    west = TeamFactory(name="华西部", manager=m2)
    m1.team = east
    m1.save()
    m2.team = west
    m2.save()
    return Org(
        region=region, east=east, east2=east2, west=west,
        director=UserFactory(username="director", display_name="赵总监", role=Role.DIRECTOR),
        admin=UserFactory(username="admin", display_name="管理员", role=Role.ADMIN, is_staff=True,
                          is_superuser=True),
        m1=m1, m2=m2,
        r1=UserFactory(username="r1", display_name="张三", role=Role.REP, team=east),
        r2=UserFactory(username="r2", display_name="李四", role=Role.REP, team=west),
        r3=UserFactory(username="r3", display_name="王五", role=Role.REP, team=east2),
        presales=UserFactory(username="presales", display_name="孙售前", role=Role.PRESALES, team=east),
        cs=UserFactory(username="cs", display_name="周客户成功", role=Role.CUSTOMER_SUCCESS, team=east),
        finance=UserFactory(username="finance", display_name="吴财务", role=Role.FINANCE),
        legal=UserFactory(username="legal", display_name="郑法务", role=Role.LEGAL),
    )
