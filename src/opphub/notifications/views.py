"""The notifications page, the header bell's count and a user's channel preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opphub.people.http import SignedInRequest

from .selectors import DEAD_KIND, failure_digest, notifications_for, notifications_for_kind, unread_count
from .services import OUTSIDE_CHANNELS, notification_mark_read, preference_set


@login_required
@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread": unread_count(request.user),
                                                       "failures": failure_digest(request.user)})


@login_required
@require_GET
def bell_view(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/_bell_count.html", {"unread": unread_count(request.user)})


@login_required
@require_POST
def mark_read_view(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    notification_mark_read(user=request.user, deliveries=None if pk is None else [pk], now=timezone.now())
    return redirect("notifications:list")


@login_required
@require_POST
def mark_failures_read_view(request: SignedInRequest) -> HttpResponse:
    """The delivery-failure digest read at once (an administrator's unread notices of given-up deliveries)."""
    ids = notifications_for_kind(request.user, DEAD_KIND)
    notification_mark_read(user=request.user, deliveries=ids, now=timezone.now())
    return redirect("notifications:list")


class PreferenceForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Also send my notifications by"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[("email", gettext_lazy("Email")), ("wecom", gettext_lazy("WeCom")),
                 ("dingtalk", gettext_lazy("DingTalk")), ("feishu", gettext_lazy("Feishu"))],
        help_text=gettext_lazy("In-app notifications are always on. Group robots post to your team's group."))


@login_required
@require_http_methods(["GET", "POST"])
def preferences_view(request: SignedInRequest) -> HttpResponse:
    pref = getattr(request.user, "notification_preference", None)
    initial = list(pref.channels()) if pref else list(OUTSIDE_CHANNELS)
    form = PreferenceForm(request.POST or None, initial={"channels": initial})
    if request.method == "POST" and form.is_valid():
        preference_set(user=request.user, channels=form.cleaned_data["channels"])
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
