"""Feishu (飞书) custom bot: ``msg_type`` text, signed in the body when a secret is set:
sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")), timestamp in seconds.
Feishu cannot @mention by mobile (only by open_id), so no mention is made."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .base import Outgoing, PermanentError, check_vendor_code, post_json

# 19001: bad parameters; 19021: signature check failed; 19022: IP not allowed; 19024: keyword check failed
PERMANENT = frozenset({19001, 19021, 19022, 19024})


def sign(timestamp: int, secret: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def payload(message: Outgoing) -> dict[str, object]:
    body: dict[str, object] = {"msg_type": "text", "content": {"text": message.text()}}
    if message.robot_secret:
        timestamp = int(message.now.timestamp()) if message.now else int(time.time())
        body = {"timestamp": str(timestamp), "sign": sign(timestamp, message.robot_secret), **body}
    return body


def send(message: Outgoing) -> None:
    if not message.robot_url:
        raise PermanentError("no Feishu robot configured for the recipient's team")
    check_vendor_code(post_json(message.robot_url, payload(message)), "code", PERMANENT, "Feishu")
