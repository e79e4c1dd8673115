"""Channel adapters: one small module per outside channel, each ``send(Outgoing)``."""

from __future__ import annotations

from collections.abc import Callable

from . import dingtalk, email, feishu, wecom
from .base import Outgoing, PermanentError, TransientError

ADAPTERS: dict[str, Callable[[Outgoing], None]] = {
    "email": email.send,
    "wecom": wecom.send,
    "dingtalk": dingtalk.send,
    "feishu": feishu.send,
}

__all__ = ["ADAPTERS", "Outgoing", "PermanentError", "TransientError"]
