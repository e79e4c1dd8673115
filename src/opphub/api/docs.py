"""The API docs page (/api/docs) with Swagger UI served from this server, never from a CDN.

django-ninja ships Swagger UI in its package (``ninja/static/ninja``) but links it only when ``ninja``
is in INSTALLED_APPS; otherwise its page loads Swagger UI from a CDN, which an intranet (or a
network in China) may not reach. This page renders our own template and serves the few files it
needs straight from ninja's installed package at /api/docs/assets/<file> — nothing is copied into
the repository and nothing depends on the project's static-files settings.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET
from ninja.openapi.docs import DocsBase, _csrf_needed

ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.svg", "favicon.png"})
CACHE_SECONDS = 24 * 3600


class LocalSwagger(DocsBase):
    settings = {"layout": "BaseLayout", "deepLinking": True, "persistAuthorization": True}

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "api": api,
            "swagger_settings": json.dumps(settings),
            "add_csrf": _csrf_needed(api),
            "assets": reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": "x"})[:-1],
        }
        return render(request, "api/swagger.html", context)


@require_GET
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    """One of Swagger UI's files from the installed ninja package (a fixed list: no path tricks)."""
    if name not in ASSETS:
        raise Http404
    path = ASSET_DIR / name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
