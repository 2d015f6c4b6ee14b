"""HTTP to one Airbyte server through the `airbyte-api` SDK: tokens, retries, pagination, readable errors.

The SDK (1.0.1) raises `SDKError` for every 4xx/5xx and retries nothing unless told to; its own client
credentials hook posts a form and keeps sessions in a class-level cache. `ApiTransport` instead:
- fetches a bearer token with a JSON body (`POST {root}/applications/token`) and refreshes it *before* it
  expires (TTLs can be minutes), and once more after a 401 (a token expiring mid-sync);
- retries 429 (honouring Retry-After, capped), 5xx and connection errors with exponential backoff;
  creates are not blindly retried: a `recover` callback first looks for what the failed call may have
  created, so a 502 after the server committed never makes a duplicate;
- follows every list call's pages (`limit`/`offset` until no `next`);
- turns errors into `AirbyteApiError` (an `IngestionError`) carrying the problem's title and detail, never
  a request body (request bodies hold connector secrets).
The typed per-resource calls built on it are `client.AirbyteClient`.
"""

import asyncio
import functools
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import httpx
from airbyte_api import AirbyteAPI, errors, models

from flexlake.ingestion.airbyte_api.server_settings import ServerSettings
from flexlake.ingestion.airbyte_api.source_configurations import SourceConfigurationStash
from flexlake.ingestion.base import IngestionError

logger = logging.getLogger(__name__)

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

PAGE_SIZE = 100
TOKEN_CALL = "POST applications/token"
# Refresh a token this long before it expires (at most), so no request is sent with a dying token.
_TOKEN_REFRESH_MARGIN_SECONDS = 60.0
_TOKEN_REFRESH_MARGIN_FRACTION = 0.2
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_RETRYABLE_ERRORS = (errors.SDKError, httpx.TransportError, errors.NoResponseError)


class AirbyteApiError(IngestionError):
    """An Airbyte API call failed; `status` is the HTTP status (0 when no response came)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class Page(Protocol[T_co]):
    """One page of a list response (`SourcesResponse`, `JobsResponse`...): items and the next page's URL."""

    @property
    def data(self) -> Sequence[T_co]: ...

    @property
    def next(self) -> str | None: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff for 429 / 5xx / connection errors. `sleep` is injectable so tests run in no time."""

    max_attempts: int = 8
    initial_backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    max_retry_after_seconds: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def backoff(self, attempt: int) -> float:
        delay: float = self.initial_backoff_seconds * 2.0 ** (attempt - 1)
        return min(self.max_backoff_seconds, delay) * random.uniform(0.8, 1.0)

    def delay_for(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_seconds)
        return self.backoff(attempt)


class _TokenCache:
    """One bearer token, refreshed before it expires. Holds the client secret: never logged."""

    def __init__(self, settings: ServerSettings, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self.fetches = 0

    @property
    def enabled(self) -> bool:
        return bool(self._settings.client_id and self._settings.client_secret)

    def is_fresh(self) -> bool:
        return self._token is not None and self._clock() < self._refresh_at

    def invalidate(self) -> None:
        self._token = None

    def bearer(self) -> str:
        assert self._token is not None
        return self._token

    def token_request(self) -> tuple[str, dict[str, str]]:
        body = {
            "client_id": self._settings.client_id or "",
            "client_secret": self._settings.client_secret or "",
            "grant_type": "client_credentials",
        }
        return self._settings.token_endpoint, body

    def store(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise AirbyteApiError(
                f"Airbyte token request to {self._settings.token_endpoint} failed: {_problem_text(response)}",
                status=response.status_code,
            )
        payload = response.json()
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise AirbyteApiError("Airbyte token response carried no access_token", status=response.status_code)
        ttl = float(payload.get("expires_in") or 180)
        margin = min(_TOKEN_REFRESH_MARGIN_SECONDS, ttl * _TOKEN_REFRESH_MARGIN_FRACTION)
        self._token, self._refresh_at = token, self._clock() + ttl - margin
        self.fetches += 1
        logger.info("Airbyte access token obtained, valid for %.0f s (refreshed %.0f s before expiry)", ttl, margin)


class ApiTransport:
    """The SDK wired to one server, with tokens, retries and pagination. Not thread-safe; one per task."""

    def __init__(
        self,
        settings: ServerSettings,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self._tokens = _TokenCache(settings, clock)
        timeout = httpx.Timeout(settings.timeout_seconds)
        self._http = httpx.Client(transport=transport, timeout=timeout, follow_redirects=True)
        self._async_http = httpx.AsyncClient(transport=async_transport, timeout=timeout, follow_redirects=True)
        self.sdk = AirbyteAPI(
            server_url=settings.api_root,
            security=self._security if self._tokens.enabled else None,
            client=self._http,
            async_client=self._async_http,
        )
        self.source_configurations = SourceConfigurationStash()
        # The SDK has no public accessor for its hooks registry (Speakeasy keeps it on the configuration).
        self.sdk.sdk_configuration.__dict__["_hooks"].register_after_success_hook(self.source_configurations)

    @property
    def token_fetches(self) -> int:
        return self._tokens.fetches

    def close(self) -> None:
        self._http.close()

    async def aclose(self) -> None:
        await self._async_http.aclose()

    # --- calls --------------------------------------------------------------------------------------

    def call(self, what: str, call: Callable[[], T], recover: Callable[[], T | None] | None = None) -> T:
        """`call()` with retries; before repeating a failed call, `recover()` may return what it committed."""
        attempt, reauthenticated = 0, False
        while True:
            attempt += 1
            try:
                return call()
            except _RETRYABLE_ERRORS as error:
                delay = self._delay_after(what, attempt, error, reauthenticated)
            if delay is None:
                reauthenticated = True
                continue
            self.retry.sleep(delay)
            recovered = recover() if recover is not None else None
            if recovered is not None:
                logger.info("%s: the earlier attempt had succeeded; not repeating it", what)
                return recovered

    async def call_async(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """`await call()` with retries; the token is refreshed without blocking the event loop."""
        attempt, reauthenticated = 0, False
        while True:
            attempt += 1
            try:
                if what != TOKEN_CALL:
                    await self._refresh_token_async()
                return await call()
            except _RETRYABLE_ERRORS as error:
                delay = self._delay_after(what, attempt, error, reauthenticated)
            if delay is None:
                reauthenticated = True
                continue
            await self.retry.async_sleep(delay)

    def paginate(self, what: str, fetch: Callable[[int, int], Page[T] | None]) -> list[T]:
        """Every item of a list call: `fetch(limit, offset)` page by page until there is no `next`."""
        items: list[T] = []
        offset = 0
        while True:
            page = self.call(f"{what} (offset {offset})", functools.partial(fetch, PAGE_SIZE, offset))
            data = list(page.data) if page else []
            items.extend(data)
            if page is None or not page.next or not data:
                return items
            offset += len(data)

    def post_config_api(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """OSS only, best effort: a POST to the internal Config API; None when there is none or it fails."""
        root = self.settings.config_api_root
        if root is None:
            return None
        try:
            headers = {"Authorization": f"Bearer {self._security().bearer_auth}"} if self._tokens.enabled else {}
            response = self._http.post(f"{root}{path}", json=body, headers=headers)
            if response.status_code != 200:
                return None
            payload = response.json()
            return payload if isinstance(payload, dict) else None
        except (httpx.HTTPError, ValueError, AirbyteApiError):
            return None

    # --- token --------------------------------------------------------------------------------------

    def _security(self) -> models.Security:
        if not self._tokens.is_fresh():
            url, body = self._tokens.token_request()
            self._tokens.store(self.call(TOKEN_CALL, lambda: _retryable(self._http.post(url, json=body))))
        return models.Security(bearer_auth=self._tokens.bearer())

    async def _refresh_token_async(self) -> None:
        if not self._tokens.enabled or self._tokens.is_fresh():
            return
        url, body = self._tokens.token_request()

        async def post() -> httpx.Response:
            return _retryable(await self._async_http.post(url, json=body))

        self._tokens.store(await self.call_async(TOKEN_CALL, post))

    # --- retries ------------------------------------------------------------------------------------

    def _delay_after(self, what: str, attempt: int, error: Exception, reauthenticated: bool) -> float | None:
        """Seconds to wait before the next attempt; None = retry now with a new token; raises when done."""
        if not isinstance(error, errors.SDKError):
            return self._connection_retry_delay(what, attempt, error)
        if error.status_code == 401 and self._tokens.enabled and not reauthenticated:
            logger.info("%s: 401, the access token expired; fetching a new one", what)
            self._tokens.invalidate()
            return None
        return self._retry_delay(what, attempt, error)

    def _retry_delay(self, what: str, attempt: int, error: errors.SDKError) -> float:
        status = error.status_code
        if status not in _RETRYABLE_STATUS or attempt >= self.retry.max_attempts:
            raise AirbyteApiError(f"Airbyte API {what} failed: {_problem_text(error.raw_response)}", status) from None
        retry_after = _retry_after_seconds(error.headers)
        delay = self.retry.delay_for(attempt, retry_after)
        logger.warning(
            "Airbyte API %s: HTTP %d (attempt %d of %d), retrying in %.1f s%s",
            what,
            status,
            attempt,
            self.retry.max_attempts,
            delay,
            " (Retry-After)" if retry_after is not None else "",
        )
        return delay

    def _connection_retry_delay(self, what: str, attempt: int, error: Exception) -> float:
        if attempt >= self.retry.max_attempts:
            raise AirbyteApiError(
                f"Airbyte API {what} failed: no response from {self.settings.api_root} ({type(error).__name__})"
            ) from None
        delay = self.retry.backoff(attempt)
        logger.warning("Airbyte API %s: %s, retrying in %.1f s", what, type(error).__name__, delay)
        return delay


def _retryable(response: httpx.Response) -> httpx.Response:
    """A token response, or SDKError for a status worth retrying (so `call` retries it like any other)."""
    if response.status_code in _RETRYABLE_STATUS:
        raise errors.SDKError("token request", response)
    return response


def _retry_after_seconds(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _problem_text(response: httpx.Response) -> str:
    """`HTTP 409 conflict: <detail>` from a problem+json body; the raw text (shortened) otherwise."""
    try:
        problem = response.json()
    except (ValueError, json.JSONDecodeError):
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if isinstance(problem, dict):
        title = problem.get("title") or ""
        detail = problem.get("detail") or problem.get("message") or ""
        return f"HTTP {response.status_code} {title}: {detail}".strip()
    return f"HTTP {response.status_code}"
