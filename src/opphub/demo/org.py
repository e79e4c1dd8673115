"""The demo company's organisation: regions, products, sales teams and ~20 users covering every role.

Written through the ORM (it is small). Existing rows with the same code / name / username are reused
and brought in line with the demo, except that an existing user's password is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from opphub.opportunities.models import Product
from opphub.people.models import Region, Role, Team, User

from .vocab import PRODUCTS, REGIONS, TEAMS

DEMO_PASSWORD = "opphub-demo"  # noqa: S105 — the documented shared password of the demo logins

# (username, display name, role, team key or None)
PEOPLE: tuple[tuple[str, str, str, str | None], ...] = (
    ("director", "陈志强", Role.DIRECTOR, None),
    ("admin", "系统管理员", Role.ADMIN, None),
    ("manager.east", "王建华", Role.MANAGER, "east"),
    ("manager.hz", "周海燕", Role.MANAGER, "hz"),
    ("manager.north", "刘国庆", Role.MANAGER, "north"),
    ("manager.south", "黄文博", Role.MANAGER, "south"),
    ("zhang.wei", "张伟", Role.REP, "east"),
    ("li.na", "李娜", Role.REP, "east"),
    ("wu.jing", "吴静", Role.REP, "east"),
    ("xu.lei", "徐磊", Role.REP, "hz"),
    ("zhu.tingting", "朱婷婷", Role.REP, "hz"),
    ("liu.yang", "刘洋", Role.REP, "north"),
    ("zhao.min", "赵敏", Role.REP, "north"),
    ("ma.chao", "马超", Role.REP, "north"),
    ("lin.fang", "林芳", Role.REP, "south"),
    ("he.jie", "何杰", Role.REP, "south"),
    ("luo.kai", "罗凯", Role.REP, "south"),
    ("presales.sun", "孙浩然", Role.PRESALES, None),
    ("presales.guo", "郭俊杰", Role.PRESALES, None),
    ("cs.zhou", "周嘉怡", Role.CUSTOMER_SUCCESS, None),
    ("finance.zheng", "郑红梅", Role.FINANCE, None),
    ("legal.feng", "冯立新", Role.LEGAL, None),
)


@dataclass
class DemoOrg:
    regions: dict[str, Region]
    teams: dict[str, Team]
    users: dict[str, User]
    products: dict[str, Product]
    team_of_region: dict[str, str]
    sellers: dict[str, list[User]] = field(default_factory=dict)  # team key -> reps (and its manager)
    password_unchanged: set[str] = field(default_factory=set)

    def by_role(self, role: str) -> list[User]:
        return [u for u in self.users.values() if u.role == role]

    def logins(self) -> list[tuple[str, str, str, str]]:
        """(username, role, team, password) for the table printed at the end."""
        rows = []
        for user in self.users.values():
            password = "(unchanged)" if user.username in self.password_unchanged else DEMO_PASSWORD
            rows.append((user.username, str(Role(user.role).label), user.team.name if user.team else "-",
                         password))
        return rows


def _upsert_user(username: str, display: str, role: str, team: Team | None, password: str,
                 org: DemoOrg) -> User:
    user = User.objects.filter(username=username).first()
    admin = role == Role.ADMIN
    if user is None:
        user = User(username=username, password=password)
    else:
        org.password_unchanged.add(username)
    user.display_name, user.role, user.team = display, role, team
    user.first_name, user.last_name = display[1:], display[:1]
    user.email = f"{username}@demo.opphub.local"
    user.is_active, user.is_staff, user.is_superuser = True, admin, admin
    user.save()
    return user


def build_org(*, extra_reps_per_team: int = 0) -> DemoOrg:
    """Create (or update) regions, products, teams and users. ``extra_reps_per_team`` adds numbered reps
    (``rep.east.01`` ...) for the benchmark's larger company."""
    regions = {}
    for code, name, _divisions, _streets in REGIONS:
        regions[code], _ = Region.objects.update_or_create(code=code, defaults={"name": name})
    products = {}
    for code, name, low, high in PRODUCTS:
        products[code], _ = Product.objects.update_or_create(
            code=code, defaults={"name": name, "price_band_min": Decimal(low), "price_band_max": Decimal(high),
                                 "active": True})
    teams: dict[str, Team] = {}
    team_of_region: dict[str, str] = {}
    for key, name, parent, covered in TEAMS:
        teams[key], _ = Team.objects.update_or_create(name=name, defaults={"parent": teams.get(parent or "")})
        for code in covered:
            team_of_region[code] = key
    org = DemoOrg(regions=regions, teams=teams, users={}, products=products, team_of_region=team_of_region)
    password = make_password(DEMO_PASSWORD)
    for username, display, role, team_key in PEOPLE:
        org.users[username] = _upsert_user(username, display, role, teams[team_key] if team_key else None,
                                           password, org)
    for key, _name, _parent, _covered in TEAMS:
        for i in range(1, extra_reps_per_team + 1):
            username = f"rep.{key}.{i:02d}"
            org.users[username] = _upsert_user(username, f"{key}销售{i:02d}", Role.REP, teams[key], password, org)
    for key, team in teams.items():
        manager = next(u for u in org.users.values() if u.role == Role.MANAGER and u.team_id == team.pk)
        team.manager = manager
        team.save(update_fields=["manager"])
        reps = [u for u in org.users.values() if u.role == Role.REP and u.team_id == team.pk]
        org.sellers[key] = [*reps, manager]
    return org
