"""Security: login, lockout after repeated failures, logout by POST only, CSRF on the login form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_and_lockout(org, client):
    url = reverse("login")
    ok = client.post(url, {"username": "r1", "password": "pw-Secret-123"})
    assert ok.status_code == 302
    client.post(reverse("logout"))
    for _ in range(5):
        bad = client.post(url, {"username": "r1", "password": "wrong"})
    assert bad.status_code in (200, 429)
    locked = client.post(url, {"username": "r1", "password": "pw-Secret-123"})
    assert locked.status_code == 429
    assert "locked" in locked.content.decode().lower() or "锁定" in locked.content.decode()
    # another user from the same address is not locked out
    assert client.post(url, {"username": "r2", "password": "pw-Secret-123"}).status_code == 302


def test_wrong_password_keeps_username_and_says_why(org):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = c.post(reverse("login"), {"username": "r1", "password": "wrong"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="r1"' in html
    assert "correct username and password" in html


def test_login_form_needs_csrf(org):
    c = Client(enforce_csrf_checks=True)
    assert c.post(reverse("login"), {"username": "r1", "password": "pw-Secret-123"}).status_code == 403


def test_pages_need_login(client):
    response = client.get("/opportunities/board/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_client_login_helper_works(org, client):
    assert client.login(username="r1", password="pw-Secret-123")
