"""What the fake Airbyte server is made of: the API's paths and vocabularies, and the records it keeps (a job and
its script, an injected fault, an exchange as sent). No behaviour: the state store, routes and app use these."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

API_ROOT = "/api/public/v1"
CONFIG_API_ROOT = "/api/v1"
MASK = "**********"
SECRET_KEYS = frozenset(
    {"password", "api_key", "access_token", "client_secret", "secret_key", "motherduck_api_key", "api_password"}
)
# The airbyte-api job statuses of a job that still holds its connection (a second sync gets 409).
IN_PROGRESS = frozenset({"pending", "queued", "running", "incomplete"})
DEFAULT_SCRIPT = ("pending", "running", "succeeded")
KNOWN_SOURCE_TYPES = frozenset({"faker", "shopify", "stripe", "postgres"})
KNOWN_DESTINATION_TYPES = frozenset({"duckdb", "postgres"})
# Sources whose rows come from the data product's generators (tests/generators) rather than faker_data.
GENERATED_SOURCES = frozenset({"shopify", "stripe"})
DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100


@dataclass(frozen=True)
class Exchange:
    """One response the fake sent: the SDK model its JSON claims to be (None for non-JSON / errors)."""

    method: str
    path: str
    status: int
    body: str
    model: str | None


@dataclass
class Fault:
    """An injected answer for the next `times` requests matching method and path."""

    status: int
    times: int
    method: str | None
    path_pattern: re.Pattern[str] | None
    retry_after: float | None
    after_commit: bool = False


@dataclass
class JobScript:
    """The statuses a job reports, one per poll (the last one sticks), and its failure reason if it fails."""

    steps: tuple[str, ...]
    failure_reason: str | None = None


@dataclass
class Job:
    """A sync or reset job as the fake tracks it: where it is in its script and what it wrote."""

    job_id: int
    connection_id: str
    job_type: str
    script: JobScript
    started_at: float
    step: int = 0
    status: str = "pending"
    rows: int = 0
    bytes: int = 0
    updated_at: float = 0.0
    stream_stats: dict[str, int] = field(default_factory=dict)
    polls: int = 0


class HttpError(Exception):
    """An error answer (application/problem+json): raised anywhere in a handler, rendered by the app."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}


# A route's handler: (request, path parameters, parsed body) -> (status, payload, the SDK model it claims to be).
Handler = Callable[[httpx.Request, dict[str, str], Any], tuple[int, Any, str | None]]
# A route before compilation: (method, path under the API root as a regex, handler).
RouteSpec = tuple[str, str, Handler]
