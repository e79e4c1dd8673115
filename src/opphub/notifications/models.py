"""The notification outbox: one Delivery row per (recipient, channel, idempotency key).

In-app messages are Delivery rows on the ``inapp`` channel, sent on creation and read on the
notifications page. Team robots (WeCom, DingTalk, Feishu group webhooks) and per-user channel
preferences decide where the other rows go. See docs/notifications.md for the delivery guarantee.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app")
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU)


class Robot(models.Model):
    """A team's group-robot webhook on one vendor. Messages for a member go to the nearest team up the
    hierarchy that has a robot of that vendor."""

    team = models.ForeignKey("people.Team", verbose_name=_("team"), on_delete=models.CASCADE,
                             related_name="robots")
    vendor = models.CharField(_("vendor"), max_length=10, choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              help_text=_("DingTalk and Feishu sign requests with it; leave empty when unused"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team robot")
        verbose_name_plural = _("team robots")
        constraints = [models.UniqueConstraint(fields=["team", "vendor"], name="notifications_robot_team_vendor")]

    def __str__(self) -> str:
        return f"{self.team} · {self.get_vendor_display()}"


class Preference(models.Model):
    """Which outside channels a user wants; in-app is always on. No row means every channel on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField(_("email"), default=True)
    wecom = models.BooleanField(_("WeCom"), default=True)
    dingtalk = models.BooleanField(_("DingTalk"), default=True)
    feishu = models.BooleanField(_("Feishu"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def channels(self) -> tuple[str, ...]:
        return tuple(c for c in ("email", "wecom", "dingtalk", "feishu") if getattr(self, c))


class Delivery(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will retry")
        DEAD = "dead", _("given up")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("idempotency key"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    mention_mobile = models.BooleanField(_("@mention by mobile"), default=False)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "channel", "key"], name="notifications_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notif_delivery_due"),
            models.Index(fields=["recipient", "channel", "read_at"], name="notif_delivery_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.subject}"


class FailedDelivery(Delivery):
    """The back office's view of deliveries that failed or were given up (admin only)."""

    class Meta:
        proxy = True
        verbose_name = _("failed delivery")
        verbose_name_plural = _("failed deliveries")
