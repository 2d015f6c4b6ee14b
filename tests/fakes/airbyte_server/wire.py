"""What goes over the wire: request bodies and query lists, paginated lists, masked secrets, timestamps."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from tests.fakes.airbyte_server.models import DEFAULT_PAGE_LIMIT, MASK, MAX_PAGE_LIMIT, SECRET_KEYS, HttpError


def request_body(request: httpx.Request) -> Any:
    """The JSON (or form, for the token call) body, None when empty; invalid JSON is a 400."""
    raw = request.content
    if not raw:
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {key: values[0] for key, values in parse_qs(raw.decode()).items()}
    try:
        return json.loads(raw)
    except ValueError:
        raise HttpError(400, "bad-request", "the body is not valid JSON") from None


def require(body: Any, key: str) -> Any:
    if not isinstance(body, dict) or body.get(key) in (None, ""):
        raise HttpError(400, "bad-request", f"{key} is required")
    return body[key]


def query_list(request: httpx.Request, key: str) -> list[str]:
    """A list query parameter, repeated or comma-separated (the SDK sends both)."""
    values = parse_qs(request.url.query.decode()).get(key, [])
    return [item for value in values for item in value.split(",") if item]


def page(request: httpx.Request, items: list[dict[str, Any]], base_url: str) -> dict[str, Any]:
    """One page of a list answer (`limit`/`offset`) with `next`/`previous` links as the public API gives them."""
    query = parse_qs(request.url.query.decode())
    try:
        limit = int(query.get("limit", [DEFAULT_PAGE_LIMIT])[0])
        offset = int(query.get("offset", [0])[0])
    except ValueError as error:
        raise HttpError(400, "bad-request", f"limit and offset must be integers: {error}") from None
    if not 1 <= limit <= MAX_PAGE_LIMIT or offset < 0:
        raise HttpError(400, "bad-request", f"limit must be 1..{MAX_PAGE_LIMIT} and offset >= 0")
    answer: dict[str, Any] = {"data": items[offset : offset + limit]}
    base = f"{base_url}{request.url.path}"
    flat = {key: values[0] for key, values in query.items()}
    if offset + limit < len(items):
        answer["next"] = f"{base}?{urlencode({**flat, 'limit': limit, 'offset': offset + limit})}"
    if offset > 0:
        answer["previous"] = f"{base}?{urlencode({**flat, 'limit': limit, 'offset': max(0, offset - limit)})}"
    return answer


def masked(item: dict[str, Any]) -> dict[str, Any]:
    """A source or destination as the API returns it: secrets in its configuration replaced by the mask."""
    return {**item, "configuration": _mask(item["configuration"])}


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: MASK if key in SECRET_KEYS and item else _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def url_split(url: str) -> tuple[str, str]:
    """(scheme://host:port, path) of a URL, for tests that follow `next` links."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path
