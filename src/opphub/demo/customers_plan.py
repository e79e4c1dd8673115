"""Seeded plan of customers and their contacts as plain rows (no database access)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from opphub.customers.credit_code import check_char

from .vocab import (
    BRANDS,
    COMPANY_SUFFIXES,
    GIVEN_NAMES,
    INDUSTRY_WEIGHTS,
    INDUSTRY_WORDS,
    REGIONS,
    SIZE_WEIGHTS,
    SURNAMES,
    TITLES,
)

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code check digit


@dataclass
class ContactInfo:
    id: int
    name: str
    title: str
    decision_role: str
    director: bool


@dataclass
class CustomerInfo:
    id: int
    name: str
    short: str
    region: str
    industry: str
    size: str
    owner_id: int
    team_key: str
    weight: float
    contacts: list[ContactInfo] = field(default_factory=list)


def person_name(rng: random.Random) -> tuple[str, str]:
    """A Chinese name and its pinyin (``wei.zhang``)."""
    surname, s_py = rng.choice(SURNAMES)
    given, g_py = rng.choice(GIVEN_NAMES)
    return surname + given, f"{g_py}.{s_py}"


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def credit_code(rng: random.Random, division: str) -> str:
    """A unified social credit code with valid check characters (GB 32100-2015, GB 11714-1997).

    ``91`` (registered by market regulation, enterprise) + division code + organisation code.
    """
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    org_check = {10: "X", 11: "0"}.get(c9, str(c9))
    first17 = "91" + division + body + org_check
    return first17 + check_char(first17)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plan_customers(rng: random.Random, *, count: int, now: datetime, window_days: int, first_id: int,
                   first_contact_id: int, sellers: dict[str, list[int]], team_of_region: dict[str, str],
                   region_ids: dict[str, int]) -> tuple[list[CustomerInfo], list[dict], list[dict]]:
    """Customers (unique names and credit codes) across regions and industries, 2-6 contacts each.

    ``sellers`` maps a team key to the user ids that may own its customers (reps first). Returns the
    customers' info for the opportunity plan and the Customer and Contact rows.
    """
    names: set[str] = set()
    codes: set[str] = set()
    infos: list[CustomerInfo] = []
    customer_rows: list[dict] = []
    contact_rows: list[dict] = []
    contact_id = first_contact_id
    region_weights = {r[0]: 3 if r[0] in ("SH", "BJ", "SZ", "GZ") else 2 for r in REGIONS}
    divisions = {r[0]: r[2] for r in REGIONS}
    streets = {r[0]: r[3] for r in REGIONS}
    city = {r[0]: r[1] for r in REGIONS}
    for i in range(count):
        region = _weighted(rng, region_weights)
        industry = _weighted(rng, INDUSTRY_WEIGHTS)
        for attempt in range(1000):
            brand, brand_py = rng.choice(BRANDS)
            word = rng.choice(INDUSTRY_WORDS[industry])
            suffix = rng.choices([s for s, _ in COMPANY_SUFFIXES], weights=[w for _, w in COMPANY_SUFFIXES])[0]
            prefix = city[region] if attempt < 500 else f"{city[region]}{rng.choice(BRANDS)[0]}"
            name = f"{prefix}{brand}{word}{suffix}"
            if name not in names:
                break
        names.add(name)
        code = credit_code(rng, rng.choice(divisions[region]))
        while code in codes:
            code = credit_code(rng, rng.choice(divisions[region]))
        codes.add(code)
        team_key = team_of_region[region]
        team_sellers = sellers[team_key]
        owner_id = rng.choice(team_sellers[:-1] or team_sellers)  # reps own customers; the manager rarely
        created = now - timedelta(days=window_days + rng.uniform(0, 720), hours=rng.uniform(0, 9))
        size = _weighted(rng, SIZE_WEIGHTS)
        info = CustomerInfo(id=first_id + i, name=name, short=f"{brand}{word}", region=region, industry=industry,
                            size=size, owner_id=owner_id, team_key=team_key,
                            weight=rng.paretovariate(1.6))
        customer_rows.append({
            "id": info.id, "name": name, "credit_code": code, "industry": industry, "size": size,
            "region_id": region_ids[region], "owner_id": owner_id, "version": 1,
            "address": f"{city[region]}{rng.choice(streets[region])}{rng.randint(1, 999)}号",
            "website": f"www.{brand_py}-{region.lower()}.com.cn", "notes": "",
            "created_at": created, "updated_at": created + timedelta(days=rng.uniform(0, 30)),
        })
        titles = rng.sample(TITLES, k=rng.randint(2, 6), counts=[w for *_, w in TITLES])
        seen_titles: set[str] = set()
        for title, role, director, _w in titles:
            if title in seen_titles:
                continue
            seen_titles.add(title)
            person, py = person_name(rng)
            contact = ContactInfo(id=contact_id, name=person, title=title, decision_role=role, director=director)
            info.contacts.append(contact)
            contact_rows.append({
                "id": contact_id, "customer_id": info.id, "name": person, "title": title,
                "is_director_or_above": director, "decision_role": role, "mobile": mobile(rng),
                "email": f"{py}@{brand_py}.com.cn", "wecom": py.replace(".", "_") if rng.random() < 0.6 else "",
                "notes": "", "version": 1, "created_at": created, "updated_at": created,
            })
            contact_id += 1
        if len(info.contacts) < 2:  # a duplicate title was drawn: add a user-level contact
            person, py = person_name(rng)
            contact = ContactInfo(id=contact_id, name=person, title="信息化专员", decision_role="user", director=False)
            info.contacts.append(contact)
            contact_rows.append({
                "id": contact_id, "customer_id": info.id, "name": person, "title": contact.title,
                "is_director_or_above": False, "decision_role": "user", "mobile": mobile(rng),
                "email": f"{py}@{brand_py}.com.cn", "wecom": "", "notes": "", "version": 1,
                "created_at": created, "updated_at": created,
            })
            contact_id += 1
        if not any(c.director for c in info.contacts):  # S3 needs a director-level contact to reach (M2)
            title = next(t for t, role, director, _w in TITLES
                         if director and role == "influencer" and t not in seen_titles)
            last = info.contacts[-1]
            last.title, last.decision_role, last.director = title, "influencer", True
            contact_rows[-1].update(title=title, decision_role="influencer", is_director_or_above=True)
        infos.append(info)
    return infos, customer_rows, contact_rows
