"""DingTalk (钉钉) custom robot: markdown, ``at.atMobiles`` (the mobile also written as @mobile in the
text, as DingTalk requires), signed with ``timestamp`` and ``sign`` query parameters when a secret is set:
sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))), timestamp in ms."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .base import Outgoing, PermanentError, check_vendor_code, post_json

# 300001: token does not exist; 310000: signature/keyword/IP check failed; 300005: token is not valid
PERMANENT = frozenset({300001, 300005, 310000})


def sign(timestamp_ms: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def payload(message: Outgoing) -> dict[str, object]:
    text = message.markdown()
    if message.mobile:
        text = f"{text}\n\n@{message.mobile}"
    return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text},
            "at": {"atMobiles": [message.mobile] if message.mobile else [], "isAtAll": False}}


def send(message: Outgoing) -> None:
    if not message.robot_url:
        raise PermanentError("no DingTalk robot configured for the recipient's team")
    params = None
    if message.robot_secret:
        timestamp = int(message.now.timestamp() * 1000) if message.now else int(time.time() * 1000)
        params = {"timestamp": str(timestamp), "sign": sign(timestamp, message.robot_secret)}  # httpx urlencodes
    check_vendor_code(post_json(message.robot_url, payload(message), params=params), "errcode", PERMANENT,
                      "DingTalk")
