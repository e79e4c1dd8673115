"""Real transports: an aiosmtpd server gets the email; a local HTTP receiver gets each robot's payload in the
vendor's documented format, signatures recomputed here. Spec M3 (overdue items alert by WeCom and email)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pytest

from opphub.notifications.channels.email import message_id
from opphub.notifications.models import Delivery, Robot
from opphub.notifications.services import notification_enqueue


def _enqueue(capture, **kwargs):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return notification_enqueue(**kwargs)


@pytest.mark.django_db
def test_email_arrives_once_over_smtp(org, smtp, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """spec: M3 — an alert by email reaches the recipient's mailbox once, with a stable Message-ID."""
    org.m1.email = "m1@example.com"
    org.m1.save()
    kwargs = dict(recipient=org.m1, kind="escalation", key="esc:1", subject="逾期待办：拜访客户",
                  body="张三 的待办已逾期", url="/opportunities/1/", channels=("email",))
    rows = _enqueue(django_capture_on_commit_callbacks, **kwargs)
    _enqueue(django_capture_on_commit_callbacks, **kwargs)  # the same key again: nothing new is sent

    assert len(smtp.messages) == 1
    _sender, rcpts, msg = smtp.messages[0]
    assert rcpts == ["m1@example.com"]
    from email.header import decode_header, make_header
    assert str(make_header(decode_header(msg["Subject"]))) == "逾期待办：拜访客户"
    assert msg["Message-ID"] == message_id("esc:1")
    assert {r.channel: Delivery.objects.get(pk=r.pk).state for r in rows} == {"inapp": "sent", "email": "sent"}


@pytest.mark.django_db
def test_wecom_markdown_and_mention(org, receiver, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """spec: M3 — WeCom group robot: markdown by default; @mention by mobile goes as text with
    mentioned_mobile_list (WeCom's documented format)."""
    Robot.objects.create(team=org.east, vendor="wecom", url=receiver.url("/cgi-bin/webhook/send?key=k1"))
    org.m1.mobile = "13800000001"
    org.m1.save()
    _enqueue(django_capture_on_commit_callbacks, recipient=org.r3, kind="todo", key="todo:1",
             subject="今日待办", body="联系客户确认细节", channels=("wecom",))  # r3 is in east2, robot is on east
    _enqueue(django_capture_on_commit_callbacks, recipient=org.m1, kind="escalation", key="esc:2",
             subject="逾期升级", body="张三 逾期 2 天", channels=("wecom",), mention_mobile=True)

    first, second = receiver.requests
    assert first.query == {"key": "k1"}
    assert first.body == {"msgtype": "markdown", "markdown": {"content": "**今日待办**\n\n联系客户确认细节"}}
    assert second.body == {"msgtype": "text", "text": {"content": "逾期升级\n张三 逾期 2 天",
                                                      "mentioned_mobile_list": ["13800000001"]}}


@pytest.mark.django_db
def test_dingtalk_signed_markdown(org, receiver, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """spec: M3 — DingTalk robot: markdown with at.atMobiles, signed with timestamp + sign query params."""
    receiver.answer = {"errcode": 0, "errmsg": "ok"}
    Robot.objects.create(team=org.east, vendor="dingtalk", url=receiver.url("/robot/send?access_token=t1"),
                         secret="SECdingtalk")
    org.m1.mobile = "13800000001"
    org.m1.save()
    before = int(time.time() * 1000)
    _enqueue(django_capture_on_commit_callbacks, recipient=org.m1, kind="escalation", key="esc:3",
             subject="逾期升级", body="李四 逾期", channels=("dingtalk",), mention_mobile=True)

    (req,) = receiver.requests
    timestamp = req.query["timestamp"]
    assert before <= int(timestamp) <= int(time.time() * 1000)
    expected = base64.b64encode(hmac.new(b"SECdingtalk", f"{timestamp}\nSECdingtalk".encode(),
                                         hashlib.sha256).digest()).decode()
    assert req.query["sign"] == expected  # parse_qs undid the URL encoding
    assert req.query["access_token"] == "t1"
    assert req.body["msgtype"] == "markdown"
    assert req.body["markdown"]["title"] == "逾期升级"
    assert "李四 逾期" in req.body["markdown"]["text"] and "@13800000001" in req.body["markdown"]["text"]
    assert req.body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}


@pytest.mark.django_db
def test_feishu_signed_text(org, receiver, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """spec: M3 — Feishu custom bot: timestamp + sign in the body, msg_type text."""
    receiver.answer = {"code": 0, "msg": "success"}
    Robot.objects.create(team=org.west, vendor="feishu", url=receiver.url("/open-apis/bot/v2/hook/abc"),
                         secret="feishu-secret")
    _enqueue(django_capture_on_commit_callbacks, recipient=org.r2, kind="todo", key="todo:9",
             subject="今日待办", body="", url="/my-day/", channels=("feishu",))

    (req,) = receiver.requests
    assert req.path == "/open-apis/bot/v2/hook/abc"
    timestamp = req.body["timestamp"]
    expected = base64.b64encode(hmac.new(f"{timestamp}\nfeishu-secret".encode(), b"",
                                         hashlib.sha256).digest()).decode()
    assert req.body["sign"] == expected
    assert req.body["msg_type"] == "text"
    assert req.body["content"]["text"] == "今日待办\nhttp://127.0.0.1:8000/my-day/"


@pytest.mark.django_db
def test_default_channels_follow_preferences_and_team_robots(org, receiver, smtp,  # type: ignore[no-untyped-def]
                                                              django_capture_on_commit_callbacks):
    """spec: M3 — without explicit channels, a user's preferences decide; robots only where the team has one."""
    Robot.objects.create(team=org.east, vendor="wecom", url=receiver.url())
    org.r1.email = "r1@example.com"
    org.r1.save()
    rows = _enqueue(django_capture_on_commit_callbacks, recipient=org.r1, kind="todo", key="k", subject="s", body="b")
    assert sorted(r.channel for r in rows) == ["email", "inapp", "wecom"]

    from opphub.notifications.services import preference_set
    preference_set(user=org.r1, channels=["wecom"])
    rows = _enqueue(django_capture_on_commit_callbacks, recipient=org.r1, kind="todo", key="k2", subject="s",
                    body="b")
    assert sorted(r.channel for r in rows) == ["inapp", "wecom"]
    assert len(receiver.requests) == 2 and len(smtp.messages) == 1
