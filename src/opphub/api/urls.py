"""The OppHub REST API: one NinjaAPI, one router per area. Mounted at /api/ (docs at /api/docs).

    from opphub.api.urls import api
    path("api/", api.urls)
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from . import contacts, customers, errors, events, followups, opportunities, stagework
from .auth import AUTH
from .docs import LocalSwagger, docs_asset
from .throttling import ApiCallThrottle


class Utf8JSONRenderer(JSONRenderer):
    """Chinese names as they are, not as \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


class OppHubAPI(NinjaAPI):
    def _get_urls(self) -> list[Any]:
        return [path("docs/assets/<str:name>", docs_asset, name="docs-asset"), *super()._get_urls()]


api = OppHubAPI(
    title="OppHub API",
    version="1",
    description="商機管理中臺 REST API. Authenticate with the browser session (send the CSRF token on "
                "POST/PATCH) or with an API token: `Authorization: Bearer oh_...` (create one with "
                "`opphub token_create <username> <name>`). Too many calls per token, or too many wrong tokens "
                "from one client, are answered 429 with `Retry-After`.",
    urls_namespace="api",
    auth=AUTH,
    throttle=[ApiCallThrottle()],
    docs=LocalSwagger(),
    renderer=Utf8JSONRenderer(),
)
errors.install(api)

api.add_router("/customers", customers.router)
api.add_router("/customers", contacts.customer_contacts)
api.add_router("/contacts", contacts.router)
api.add_router("/opportunities", opportunities.router)
api.add_router("/opportunities", followups.router)
api.add_router("/opportunities", stagework.router)
api.add_router("/events", events.router)

# ``path("api/", include("opphub.api.urls"))`` in the root URLconf: the namespace is "api".
app_name = "api"
urlpatterns = api.urls[0]
