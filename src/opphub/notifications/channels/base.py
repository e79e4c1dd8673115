"""What every channel adapter receives and may raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx


class TransientError(Exception):
    """Try again later (receiver down, timeout, 5xx, rate limit)."""


class PermanentError(Exception):
    """Retrying cannot help (rejected token, bad address, no robot configured): give up at once."""


@dataclass(frozen=True)
class Outgoing:
    key: str
    subject: str
    body: str
    url: str  # absolute link, may be empty
    email: str = ""
    mobile: str = ""  # the recipient's mobile when an @mention is wanted and known
    robot_url: str = ""
    robot_secret: str = ""
    now: datetime | None = None

    def text(self) -> str:
        parts = [self.subject]
        if self.body:
            parts.append(self.body)
        if self.url:
            parts.append(self.url)
        return "\n".join(parts)

    def markdown(self) -> str:
        parts = [f"**{self.subject}**"]
        if self.body:
            parts.append(self.body)
        if self.url:
            parts.append(f"[{self.url}]({self.url})")
        return "\n\n".join(parts)


HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def post_json(url: str, payload: dict[str, object], *, params: dict[str, str] | None = None) -> dict[str, object]:
    """POST JSON to a robot; classify transport problems. Returns the decoded JSON answer."""
    try:
        # merge, not replace: DingTalk's webhook URL already carries access_token in its query string
        target = httpx.URL(url).copy_merge_params(params) if params else httpx.URL(url)
        response = httpx.post(target, json=payload, timeout=HTTP_TIMEOUT)
    except httpx.InvalidURL as exc:
        raise PermanentError(f"invalid robot URL: {exc}") from exc
    except httpx.HTTPError as exc:  # connection refused, DNS, timeout...
        raise TransientError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientError(f"HTTP {response.status_code}: {response.text[:300]}")
    if response.status_code >= 400:
        raise PermanentError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        data = response.json()
    except ValueError as exc:
        raise TransientError(f"not JSON: {response.text[:300]}") from exc
    if not isinstance(data, dict):
        raise TransientError(f"unexpected answer: {response.text[:300]}")
    return data


def check_vendor_code(data: dict[str, object], field: str, permanent: frozenset[int], vendor: str) -> None:
    """Robots answer HTTP 200 with an error code in the body; 0 is success."""
    code = data.get(field, 0)
    try:
        code = int(code)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise TransientError(f"{vendor}: unexpected {field}={code!r}") from None
    if code == 0:
        return
    message = data.get("errmsg") or data.get("msg") or ""
    text = f"{vendor} {field} {code}: {message}"
    if code in permanent:
        raise PermanentError(text)
    raise TransientError(text)
