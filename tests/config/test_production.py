"""Issue 9 item 4 — production settings from the environment: the documented example environment passes
``opphub check --deploy --fail-level WARNING``; every page carries a Content-Security-Policy and renders
no inline script or inline event handler; documented settings are read; ``opphub serve`` runs gunicorn."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api.clients import session_client
from tests.factories import CustomerFactory, make_opportunity
from tests.stagework import PDF

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "production.env.example"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _example_env() -> dict[str, str]:
    """KEY=value lines of the example file (comments and blank lines skipped)."""
    env = {}
    for line in EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def _opphub(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPPHUB_", "DJANGO_", "DATABASE_URL", "REDIS"))}
    base.pop("PYTEST_VERSION", None)
    full = {**base, **env, "PYTHONPATH": str(ROOT / "src"), "OPPHUB_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "opphub.cli", *args], env=full, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, check=False)


def test_example_production_environment_passes_check_deploy(tmp_path):
    """The documented production environment (deploy/production.env.example; only the data directory is
    pointed at a temporary one) makes `opphub check --deploy --fail-level WARNING` exit 0; without it the
    same check fails (HSTS, SSL redirect, secure cookies are off for a plain-HTTP trial)."""
    env = _example_env()
    assert {"OPPHUB_SECRET_KEY", "OPPHUB_HTTPS", "OPPHUB_PROXY_SSL_HEADER", "OPPHUB_ALLOWED_HOSTS"} <= set(env)
    done = _opphub(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout + done.stderr
    trial = _opphub(["check", "--deploy", "--fail-level", "WARNING"],
                    {"OPPHUB_SECRET_KEY": env["OPPHUB_SECRET_KEY"]}, tmp_path)
    assert trial.returncode != 0 and "security.W004" in trial.stdout + trial.stderr


def test_settings_are_read_from_the_environment(tmp_path):
    """OPPHUB_HTTPS turns on redirect, secure cookies, HSTS; the proxy header and the upload limit are read."""
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
            "s.SECURE_PROXY_SSL_HEADER, s.OPPHUB_UPLOAD_MAX_BYTES)")
    env = {"DJANGO_SETTINGS_MODULE": "opphub.config.settings", "PYTHONPATH": str(ROOT / "src"),
           "OPPHUB_DATA_DIR": str(tmp_path), "PATH": os.environ.get("PATH", "")}
    run = subprocess.run([sys.executable, "-c", code], env={**env, **_example_env(), "OPPHUB_DATA_DIR": str(tmp_path),
                                                            "OPPHUB_UPLOAD_MAX_BYTES": "1048576"},
                         capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.split() == ["True", "True", "True", "31536000", "('HTTP_X_FORWARDED_PROTO',", "'https')",
                                  "1048576"]


@pytest.mark.django_db
def test_upload_limit_setting_applies(org, settings):
    """OPPHUB_UPLOAD_MAX_BYTES (documented in docs/operations.md) is the largest document upload."""
    settings.OPPHUB_UPLOAD_MAX_BYTES = len(PDF) - 1
    opp = make_opportunity(actor=org.r1)
    r = session_client(org.r1).post(f"/api/opportunities/{opp.number}/documents",
                                    {"doc_type": "screening_report", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert r.status_code == 422
    settings.OPPHUB_UPLOAD_MAX_BYTES = len(PDF)
    r = session_client(org.r1).post(f"/api/opportunities/{opp.number}/documents",
                                    {"doc_type": "screening_report", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert r.status_code == 201


@pytest.mark.django_db
def test_pages_carry_the_csp_and_render_no_inline_script(org):
    """Every page answers with a Content-Security-Policy that allows scripts from this server only, and its
    HTML has no inline <script> block (JSON data blocks aside) and no on...= handler."""
    customer = CustomerFactory(owner=org.r1, region=org.region)
    opp = make_opportunity(actor=org.r1, customer=customer)
    anonymous = Client()
    login = anonymous.get("/accounts/login/")
    pages = {"/accounts/login/": login}
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(org.m1)
    for path in ("/opportunities/board/", "/opportunities/", "/my-day/", f"/opportunities/{opp.number}/",
                 f"/opportunities/{opp.number}/edit/", f"/opportunities/{opp.number}/stage/", "/opportunities/new/",
                 "/customers/", f"/customers/{customer.pk}/", "/customers/new/", "/team/health/", "/team/review/",
                 "/calendar/", "/notifications/", "/api/docs"):
        pages[path] = c.get(path)
    admin = Client()
    admin.force_login(org.admin)
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    pages["/admin/"] = admin.get("/admin/")
    for path, response in pages.items():
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html))
        assert not INLINE_HANDLER.search(html), (path, INLINE_HANDLER.search(html))


def test_serve_runs_gunicorn_with_the_environment(tmp_path):
    """`opphub serve` is gunicorn on OPPHUB_BIND with OPPHUB_WEB_WORKERS processes (printed, not started)."""
    done = _opphub(["serve", "--print"], {"OPPHUB_BIND": "127.0.0.1:8123", "OPPHUB_WEB_WORKERS": "3",
                                          "OPPHUB_SECRET_KEY": "x" * 60}, tmp_path)
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert "-m gunicorn opphub.config.wsgi:application" in line
    assert "--bind 127.0.0.1:8123" in line and "--workers 3" in line


def test_serve_answers_over_http_with_the_production_headers(tmp_path):
    """`opphub serve` (gunicorn) with the example environment answers on the loopback: /healthz over plain
    HTTP (exempt from the redirect), a page redirected to HTTPS, and, as the proxy would forward it
    (X-Forwarded-Proto: https), the login page with HSTS and the CSP."""
    import http.client
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**_example_env(), "OPPHUB_BIND": f"127.0.0.1:{port}", "OPPHUB_WEB_WORKERS": "1",
           "OPPHUB_ALLOWED_HOSTS": "127.0.0.1"}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPPHUB_", "DJANGO_", "DATABASE_URL", "REDIS"))}
    proc = subprocess.Popen([sys.executable, "-m", "opphub.cli", "serve"], cwd=tmp_path,
                            env={**base, **env, "PYTHONPATH": str(ROOT / "src"), "OPPHUB_DATA_DIR": str(tmp_path)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        assert health.status == 200
        plain = get("/accounts/login/")
        assert plain.status == 301 and plain.getheader("Location", "").startswith("https://")
        page = get("/accounts/login/", {"X-Forwarded-Proto": "https"})
        assert page.status == 200
        assert page.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
        assert "script-src 'self'" in page.getheader("Content-Security-Policy", "")
        assert "Secure" in page.getheader("Set-Cookie", "")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
