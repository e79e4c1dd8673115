from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView

from opphub.opportunities import urls as opportunity_urls
from opphub.workflow import urls as workflow_urls


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="opportunities:board", permanent=False), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("my-day/", include("opphub.followups.urls")),
    # one namespace: the opportunity's own pages, then the card and moves of the workflow (above gates)
    path("opportunities/", include(([*opportunity_urls.urlpatterns, *workflow_urls.urlpatterns],
                                    opportunity_urls.app_name))),
    path("opportunities/", include("opphub.gates.urls")),
    path("customers/", include("opphub.customers.urls")),
    path("notifications/", include("opphub.notifications.urls")),
    path("working-days/", include("opphub.workdays.urls")),
    path("api/", include("opphub.api.urls")),
    path("", include("opphub.alerts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
