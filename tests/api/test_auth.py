"""spec: P1-P4 (every API call acts as a known user) — session auth with CSRF for the browser, API tokens
(only a hash stored, revocable, last use recorded) for integrations, 401 with a reason otherwise;
the docs page works offline (no CDN)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from opphub.api.models import ApiToken, hash_token
from tests.api.clients import session_client, token_client
from tests.factories import make_opportunity

pytestmark = pytest.mark.django_db

NEW_CUSTOMER = {"name": "上海星河电子有限公司", "industry": "software", "size": "small", "region": "SH"}


def test_no_credentials_is_401_with_a_reason(org):
    """spec: P1 — an anonymous caller learns how to authenticate, and sees no data."""
    make_opportunity(actor=org.r1)
    r = Client(HTTP_ACCEPT_LANGUAGE="en").get("/api/opportunities")
    assert r.status_code == 401
    assert "Authorization: Bearer" in r.json()["detail"]
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_token_reads_and_writes_without_csrf(org):
    """spec: P1 — an integration with a token lists the rep's opportunities and creates a customer."""
    opp = make_opportunity(actor=org.r1)
    client = token_client(org.r1)
    r = client.get("/api/opportunities")
    assert r.status_code == 200
    assert [o["number"] for o in r.json()["items"]] == [opp.number]
    r = client.post("/api/customers", NEW_CUSTOMER, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["owner"] == {"id": org.r1.pk, "name": "张三"}


@pytest.mark.parametrize("header", ["Bearer oh_not-a-real-token", "Bearer ", "Bearer abc", "bearer oh_"])
def test_unknown_token_is_401(org, header):
    """spec: P1 — a wrong token is refused, it does not fall back to anything."""
    r = Client(HTTP_AUTHORIZATION=header, HTTP_ACCEPT_LANGUAGE="en").get("/api/customers")
    assert r.status_code == 401
    assert "token" in r.json()["detail"]


def test_revoked_token_is_401(org):
    """spec: P1 — revoking a token locks the integration out at once."""
    token, raw = ApiToken.issue(user=org.r1, name="ERP")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/customers").status_code == 200
    token.revoked = True
    token.save()
    assert client.get("/api/customers").status_code == 401


def test_token_of_inactive_user_is_401(org):
    """spec: P1 — a user who left the company cannot keep using their tokens."""
    _token, raw = ApiToken.issue(user=org.r2, name="ERP")
    org.r2.is_active = False
    org.r2.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/customers").status_code == 401


def test_token_wins_over_a_session(org):
    """spec: P1 — with a token the request acts as the token's user, even in a logged-in browser."""
    make_opportunity(actor=org.r2)
    _token, raw = ApiToken.issue(user=org.r2, name="script")
    client = session_client(org.r1, HTTP_AUTHORIZATION=f"Bearer {raw}")
    items = client.get("/api/opportunities").json()["items"]
    assert [o["owner"]["id"] for o in items] == [org.r2.pk]


def test_last_used_is_recorded_at_most_once_a_minute(org):
    """An administrator sees when a token was last used, without a write on every request."""
    token, raw = ApiToken.issue(user=org.r1, name="ERP")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/customers")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=30)
    client.get("/api/customers")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/customers")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_session_post_needs_csrf(org):
    """A logged-in browser cannot be tricked into writing: POST without the CSRF token is 403."""
    client = session_client(org.r1, enforce_csrf_checks=True)
    r = client.post("/api/customers", NEW_CUSTOMER, content_type="application/json")
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]
    assert client.get("/api/customers").status_code == 200  # reads need no token
    client.get("/api/docs")  # any page that renders the token sets the cookie
    csrf = client.cookies["csrftoken"].value
    r = client.post("/api/customers", NEW_CUSTOMER, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert r.status_code == 201, r.content


def test_docs_use_local_swagger_assets(org):
    """Intranet deployments: the docs page loads Swagger UI from this server, never from a CDN."""
    client = Client()
    page = client.get("/api/docs").content.decode()
    # no absolute or protocol-relative URL at all (the page carries a random CSRF token, so look for
    # URL shapes, not for letters such as "cdn" that a token may contain by chance)
    assert not re.search(r"(?:src|href)=[\"'](?:https?:)?//|https?://|cdn\.", page, re.IGNORECASE)
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        assert f"/api/docs/assets/{asset}" in page
        r = client.get(f"/api/docs/assets/{asset}")
        assert r.status_code == 200
        assert b"".join(r.streaming_content)
    assert client.get("/api/docs/assets/..%2Fsettings.py").status_code == 404
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "OppHub API"
    assert "/api/opportunities/{number}/move" in schema["paths"]


def test_token_create_command_prints_the_token_once(org):
    """``opphub token_create <username> <name>`` prints a working token; only its hash is stored."""
    out, err = io.StringIO(), io.StringIO()
    call_command("token_create", "r1", "ERP sync", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("oh_")
    token = ApiToken.objects.get(user=org.r1)
    assert token.name == "ERP sync" and token.token_hash == hash_token(raw) and raw not in token.token_hash
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/customers").status_code == 200
    with pytest.raises(CommandError):
        call_command("token_create", "nobody", "x", stdout=io.StringIO())
