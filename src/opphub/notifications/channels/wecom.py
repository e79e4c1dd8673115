"""WeCom (企业微信) group robot: POST JSON to the webhook URL (it carries the key).

markdown messages cannot @mention by mobile; when a mention is wanted (and the mobile is known) the
message goes as ``text`` with ``mentioned_mobile_list`` — WeCom's documented way to @ by mobile.
"""

from __future__ import annotations

from .base import Outgoing, PermanentError, check_vendor_code, post_json

# 93000: invalid webhook URL (key removed or wrong); 93004: robot disabled; 93008: not in the group
PERMANENT = frozenset({93000, 93004, 93008})


def payload(message: Outgoing) -> dict[str, object]:
    if message.mobile:
        return {"msgtype": "text",
                "text": {"content": message.text(), "mentioned_mobile_list": [message.mobile]}}
    return {"msgtype": "markdown", "markdown": {"content": message.markdown()}}


def send(message: Outgoing) -> None:
    if not message.robot_url:
        raise PermanentError("no WeCom robot configured for the recipient's team")
    check_vendor_code(post_json(message.robot_url, payload(message)), "errcode", PERMANENT, "WeCom")
