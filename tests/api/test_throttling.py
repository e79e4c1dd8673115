"""spec: P1 (issue 9 item 5, API abuse) — API calls are limited per token and wrong Bearer tokens per client,
answered 429 with Retry-After; the counts live in the shared cache (Redis with REDIS_URL, else a file cache
every process of the host shares). The rates come from OPPHUB_API_RATE and OPPHUB_API_AUTH_FAIL_RATE."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from opphub.api.models import ApiToken
from opphub.config.caches import cache_settings
from tests.api.clients import session_client, token_client
from tests.factories import make_opportunity
from tests.redis_db import fresh_redis

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/14"


def _retry_after(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.content
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= 60
    assert "Too many requests" in response.json()["detail"]
    return seconds


def test_calls_per_token_over_the_rate_get_429_with_retry_after(org, settings):
    """spec: P1 — with OPPHUB_API_RATE=3/m the fourth call of a token within the minute is 429 with
    Retry-After; another token (even the same user's) and the browser session keep their own counts."""
    settings.OPPHUB_API_RATE = "3/m"
    make_opportunity(actor=org.r1)
    client = token_client(org.r1)
    assert [client.get("/api/opportunities").status_code for _ in range(3)] == [200, 200, 200]
    _retry_after(client.get("/api/opportunities"))
    _retry_after(client.post("/api/customers", {}, content_type="application/json"))  # writes count too

    assert token_client(org.r1).get("/api/opportunities").status_code == 200  # a second token of r1
    assert session_client(org.r1).get("/api/opportunities").status_code == 200


def test_wrong_tokens_are_throttled_per_client(org, settings):
    """spec: P1 — after OPPHUB_API_AUTH_FAIL_RATE wrong Bearer tokens a client gets 429 with Retry-After,
    even for a valid token, so tokens cannot be guessed; another client is not affected."""
    settings.OPPHUB_API_AUTH_FAIL_RATE = "3/m"
    _token, raw = ApiToken.issue(user=org.r1, name="ERP")

    def call(token: str, ip: str):  # type: ignore[no-untyped-def]
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en",
                      REMOTE_ADDR=ip).get("/api/customers")

    assert [call(f"oh_guess{i}", "10.0.0.1").status_code for i in range(3)] == [401, 401, 401]
    _retry_after(call("oh_guess4", "10.0.0.1"))
    _retry_after(call(raw, "10.0.0.1"))
    assert call(raw, "10.0.0.2").status_code == 200
    assert call("oh_typo", "10.0.0.2").status_code == 401
    # spoofing X-Forwarded-For does not give a fresh count (no proxy is trusted by default)
    r = Client(HTTP_AUTHORIZATION="Bearer oh_x", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="10.0.0.1")
    assert r.get("/api/customers").status_code == 429


def test_normal_use_is_not_throttled(org):
    """spec: P1 — the default rates leave an integration's ordinary work alone (and the test suite's)."""
    make_opportunity(actor=org.r1)
    client = token_client(org.r1)
    assert {client.get("/api/opportunities").status_code for _ in range(50)} == {200}



@pytest.mark.parametrize("backend", ["file", "redis"])
def test_counts_are_shared_between_processes(backend, org, settings, tmp_path):
    """spec: P1 — the count is in the shared cache: calls counted by another process (another web worker)
    use up the same token's rate, on the file cache (one host) and on Redis (REDIS_URL)."""
    if backend == "redis":
        fresh_redis(REDIS_URL)
    env = {**{k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "PYTEST_CURRENT_TEST"}},
           "OPPHUB_CACHE": backend, "REDIS_URL": REDIS_URL, "OPPHUB_DATA_DIR": str(tmp_path),
           "OPPHUB_API_RATE": "3/m", "OPPHUB_SECRET_KEY": "test-throttle",
           "DJANGO_SETTINGS_MODULE": "opphub.config.settings",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    settings.CACHES = cache_settings(tmp_path, env)
    settings.OPPHUB_API_RATE = "3/m"
    token, raw = ApiToken.issue(user=org.r1, name="ERP")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/api/customers").status_code == 200  # 1 here

    other = subprocess.run(  # 2 more in another process: the rate is used up
        [sys.executable, "-c", "import django; django.setup(); from opphub.api.throttling import ApiCallThrottle as T; "
         f"print([T.counter.hit('token:{token.pk}') for _ in range(2)])"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip() == "[None, None]"
    _retry_after(client.get("/api/customers"))
    if backend == "redis":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
