"""A thin, typed wrapper over the `airbyte-api` SDK: tokens, retries, pagination, readable errors.

The SDK (1.0.1) raises `SDKError` for every 4xx/5xx and retries nothing unless told to; its own client
credentials hook posts a form and keeps sessions in a class-level cache. This wrapper instead:
- fetches a bearer token with a JSON body (`POST {root}/applications/token`) and refreshes it *before* it
  expires (TTLs can be minutes), and once more after a 401 (a token expiring mid-sync);
- retries 429 (honouring Retry-After, capped), 5xx and connection errors with exponential backoff;
  creates are not blindly retried: a `recover` callback first looks for what the failed call may have
  created, so a 502 after the server committed never makes a duplicate;
- follows every list call's pages (`limit`/`offset` until no `next`);
- turns errors into `AirbyteApiError` (an `IngestionError`) carrying the problem's title and detail, never
  a request body (request bodies hold connector secrets).

The Airflow connection format is the one of apache-airflow-providers-airbyte: host = API root
(`https://api.airbyte.com/v1`, `http://HOST:8000/api/public/v1`), login / password = client id / secret,
schema = token URL relative to the host (default `v1/applications/token`), extras `timeout`, `proxies`.
"""

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpx
from airbyte_api import AirbyteAPI, api, errors, models

from flexlake.ingestion.base import IngestionError

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TOKEN_URL = "v1/applications/token"
PAGE_SIZE = 100
# Refresh a token this long before it expires (at most), so no request is sent with a dying token.
_TOKEN_REFRESH_MARGIN_SECONDS = 60.0
_TOKEN_REFRESH_MARGIN_FRACTION = 0.2
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class AirbyteApiError(IngestionError):
    """An Airbyte API call failed; `status` is the HTTP status (0 when no response came)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ServerSettings:
    """How to reach one Airbyte server. Built from an Airflow connection; the secret stays out of repr."""

    api_root: str
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token_url: str = DEFAULT_TOKEN_URL
    timeout_seconds: float = 60.0

    @property
    def token_endpoint(self) -> str:
        # Same join as the provider: relative to the API root without its last segment.
        return urljoin(self.api_root.rstrip("/"), self.token_url)

    @property
    def config_api_root(self) -> str | None:
        """Self-hosted OSS only: the internal Config API beside the public one (job failure reasons)."""
        root = self.api_root.rstrip("/")
        return root.removesuffix("/public/v1") + "/v1" if root.endswith("/api/public/v1") else None


def server_settings_from_airflow(connection_id: str) -> ServerSettings:
    """Read the Airbyte server's Airflow connection (provider-compatible format). Task time only."""
    from airflow.sdk import BaseHook  # noqa: PLC0415 - Airflow only where a task runs

    connection = BaseHook.get_connection(connection_id)
    return server_settings_from_fields(
        host=connection.host,
        login=connection.login,
        password=connection.password,
        schema=connection.schema,
        extra=connection.extra_dejson,
        connection_id=connection_id,
    )


def server_settings_from_fields(
    *, host: str | None, login: str | None, password: str | None, schema: str | None, extra: Any, connection_id: str
) -> ServerSettings:
    if not host or not host.startswith(("http://", "https://")):
        raise IngestionError(
            f"Airflow connection {connection_id!r}: host must be the Airbyte API root URL, e.g. "
            "https://api.airbyte.com/v1 or http://HOST:8000/api/public/v1"
        )
    timeout = float(extra.get("timeout") or 60.0) if isinstance(extra, dict) else 60.0
    return ServerSettings(
        api_root=host.rstrip("/"),
        client_id=login or None,
        client_secret=password or None,
        token_url=schema or DEFAULT_TOKEN_URL,
        timeout_seconds=timeout,
    )


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
        self._expires_at = 0.0
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
        now = self._clock()
        margin = min(_TOKEN_REFRESH_MARGIN_SECONDS, ttl * _TOKEN_REFRESH_MARGIN_FRACTION)
        self._token, self._expires_at, self._refresh_at = token, now + ttl, now + ttl - margin
        self.fetches += 1
        logger.info("Airbyte access token obtained, valid for %.0f s (refreshed %.0f s before expiry)", ttl, margin)


class AirbyteClient:
    """Typed calls to one Airbyte server. Not thread-safe; one per task."""

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

    @property
    def token_fetches(self) -> int:
        return self._tokens.fetches

    def close(self) -> None:
        self._http.close()

    async def aclose(self) -> None:
        await self._async_http.aclose()

    # --- token --------------------------------------------------------------------------------------

    def _security(self) -> models.Security:
        if not self._tokens.is_fresh():
            self._refresh_token()
        return models.Security(bearer_auth=self._tokens.bearer())

    def _refresh_token(self) -> None:
        url, body = self._tokens.token_request()
        response = self._with_retries("POST applications/token", lambda: self._token_post(url, body))
        self._tokens.store(response)

    def _token_post(self, url: str, body: dict[str, str]) -> httpx.Response:
        response = self._http.post(url, json=body)
        if response.status_code in _RETRYABLE_STATUS:
            raise errors.SDKError("token request", response)
        return response

    async def _refresh_token_async(self) -> None:
        if not self._tokens.enabled or self._tokens.is_fresh():
            return
        url, body = self._tokens.token_request()

        async def post() -> httpx.Response:
            response = await self._async_http.post(url, json=body)
            if response.status_code in _RETRYABLE_STATUS:
                raise errors.SDKError("token request", response)
            return response

        self._tokens.store(await self._with_retries_async("POST applications/token", post))

    # --- retries ------------------------------------------------------------------------------------

    def _with_retries(self, what: str, call: Callable[[], T], recover: Callable[[], T | None] | None = None) -> T:
        attempt, reauthenticated = 0, False
        while True:
            attempt += 1
            try:
                return call()
            except errors.SDKError as error:
                if error.status_code == 401 and self._tokens.enabled and not reauthenticated:
                    logger.info("%s: 401, the access token expired; fetching a new one", what)
                    self._tokens.invalidate()
                    reauthenticated = True
                    continue
                delay = self._retry_delay(what, attempt, error)
            except (httpx.TransportError, errors.NoResponseError) as error:
                delay = self._connection_retry_delay(what, attempt, error)
            self.retry.sleep(delay)
            if recover is not None:
                recovered = recover()
                if recovered is not None:
                    logger.info("%s: the earlier attempt had succeeded; not repeating it", what)
                    return recovered

    async def _with_retries_async(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        attempt, reauthenticated = 0, False
        while True:
            attempt += 1
            try:
                if what != "POST applications/token":
                    await self._refresh_token_async()
                return await call()
            except errors.SDKError as error:
                if error.status_code == 401 and self._tokens.enabled and not reauthenticated:
                    logger.info("%s: 401, the access token expired; fetching a new one", what)
                    self._tokens.invalidate()
                    reauthenticated = True
                    continue
                delay = self._retry_delay(what, attempt, error)
            except (httpx.TransportError, errors.NoResponseError) as error:
                delay = self._connection_retry_delay(what, attempt, error)
            await self.retry.async_sleep(delay)

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

    # --- pagination ---------------------------------------------------------------------------------

    def _paginate(self, what: str, page: Callable[[int, int], tuple[list[T], str | None]]) -> list[T]:
        items: list[T] = []
        offset = 0
        while True:
            data, next_url = self._with_retries(f"{what} (offset {offset})", lambda o=offset: page(PAGE_SIZE, o))  # type: ignore[misc]
            items.extend(data)
            if not next_url or not data:
                return items
            offset += len(data)

    # --- health, workspaces, tags -------------------------------------------------------------------

    def health(self) -> None:
        self._with_retries("GET health", self.sdk.health.get_health_check)

    def list_workspaces(self) -> list[models.WorkspaceResponse]:
        def page(limit: int, offset: int) -> tuple[list[models.WorkspaceResponse], str | None]:
            body = self.sdk.workspaces.list_workspaces(
                request=api.ListWorkspacesRequest(limit=limit, offset=offset)
            ).workspaces_response
            return (list(body.data), body.next) if body else ([], None)

        return self._paginate("GET workspaces", page)

    def create_workspace(
        self, name: str, recover: Callable[[], models.WorkspaceResponse | None]
    ) -> models.WorkspaceResponse:
        request = models.WorkspaceCreateRequest(name=name)
        response = self._with_retries(
            "POST workspaces",
            lambda: _required(self.sdk.workspaces.create_workspace(request=request).workspace_response),
            recover,
        )
        return response

    def list_tags(self, workspace_id: str) -> list[models.TagResponse]:
        def call() -> list[models.TagResponse]:
            body = self.sdk.tags.list_tags(request=api.ListTagsRequest(workspace_ids=[workspace_id])).tags_response
            return list(body.data) if body else []

        return self._with_retries("GET tags", call)

    def create_tag(
        self, workspace_id: str, name: str, recover: Callable[[], models.TagResponse | None]
    ) -> models.TagResponse:
        request = models.TagCreateRequest(name=name, color="2F80ED", workspace_id=workspace_id)
        return self._with_retries(
            "POST tags", lambda: _required(self.sdk.tags.create_tag(request=request).tag_response), recover
        )

    # --- sources and destinations -------------------------------------------------------------------

    def list_sources(self, workspace_id: str) -> list[models.SourceResponse]:
        def page(limit: int, offset: int) -> tuple[list[models.SourceResponse], str | None]:
            request = api.ListSourcesRequest(workspace_ids=[workspace_id], limit=limit, offset=offset)
            body = self.sdk.sources.list_sources(request=request).sources_response
            return (list(body.data), body.next) if body else ([], None)

        return self._paginate("GET sources", page)

    def create_source(
        self, request: models.SourceCreateRequest, recover: Callable[[], models.SourceResponse | None]
    ) -> models.SourceResponse:
        return self._with_retries(
            "POST sources", lambda: _required(self.sdk.sources.create_source(request=request).source_response), recover
        )

    def patch_source(self, source_id: str, patch: models.SourcePatchRequest) -> models.SourceResponse:
        request = api.PatchSourceRequest(source_id=source_id, source_patch_request=patch)
        return self._with_retries(
            "PATCH sources", lambda: _required(self.sdk.sources.patch_source(request=request).source_response)
        )

    def list_destinations(self, workspace_id: str) -> list[models.DestinationResponse]:
        def page(limit: int, offset: int) -> tuple[list[models.DestinationResponse], str | None]:
            request = api.ListDestinationsRequest(workspace_ids=[workspace_id], limit=limit, offset=offset)
            body = self.sdk.destinations.list_destinations(request=request).destinations_response
            return (list(body.data), body.next) if body else ([], None)

        return self._paginate("GET destinations", page)

    def create_destination(
        self, request: models.DestinationCreateRequest, recover: Callable[[], models.DestinationResponse | None]
    ) -> models.DestinationResponse:
        return self._with_retries(
            "POST destinations",
            lambda: _required(self.sdk.destinations.create_destination(request=request).destination_response),
            recover,
        )

    def patch_destination(
        self, destination_id: str, patch: models.DestinationPatchRequest
    ) -> models.DestinationResponse:
        request = api.PatchDestinationRequest(destination_id=destination_id, destination_patch_request=patch)
        return self._with_retries(
            "PATCH destinations",
            lambda: _required(self.sdk.destinations.patch_destination(request=request).destination_response),
        )

    # --- connections --------------------------------------------------------------------------------

    def list_connections(self, workspace_id: str) -> list[models.ConnectionResponse]:
        def page(limit: int, offset: int) -> tuple[list[models.ConnectionResponse], str | None]:
            request = api.ListConnectionsRequest(workspace_ids=[workspace_id], limit=limit, offset=offset)
            body = self.sdk.connections.list_connections(request=request).connections_response
            return (list(body.data), body.next) if body else ([], None)

        return self._paginate("GET connections", page)

    def create_connection(
        self, request: models.ConnectionCreateRequest, recover: Callable[[], models.ConnectionResponse | None]
    ) -> models.ConnectionResponse:
        return self._with_retries(
            "POST connections",
            lambda: _required(self.sdk.connections.create_connection(request=request).connection_response),
            recover,
        )

    def patch_connection(self, connection_id: str, patch: models.ConnectionPatchRequest) -> models.ConnectionResponse:
        request = api.PatchConnectionRequest(connection_id=connection_id, connection_patch_request=patch)
        return self._with_retries(
            "PATCH connections",
            lambda: _required(self.sdk.connections.patch_connection(request=request).connection_response),
        )

    # --- jobs ---------------------------------------------------------------------------------------

    def create_sync_job(self, connection_id: str) -> models.JobResponse:
        """Start a sync. A 409 (a job is already running) raises AirbyteApiError with status 409."""
        request = models.JobCreateRequest(connection_id=connection_id, job_type=models.JobTypeEnum.SYNC)
        return self._with_retries(
            "POST jobs", lambda: _required(self.sdk.jobs.create_job(request=request).job_response)
        )

    def get_job(self, job_id: int) -> models.JobResponse:
        return self._with_retries(
            f"GET jobs/{job_id}",
            lambda: _required(self.sdk.jobs.get_job(request=api.GetJobRequest(job_id=job_id)).job_response),
        )

    async def get_job_async(self, job_id: int) -> models.JobResponse:
        async def call() -> models.JobResponse:
            response = await self.sdk.jobs.get_job_async(request=api.GetJobRequest(job_id=job_id))
            return _required(response.job_response)

        return await self._with_retries_async(f"GET jobs/{job_id}", call)

    def list_jobs(self, connection_id: str, status: models.JobStatusEnum | None = None) -> list[models.JobResponse]:
        def page(limit: int, offset: int) -> tuple[list[models.JobResponse], str | None]:
            request = api.ListJobsRequest(
                connection_id=connection_id, status=status, limit=limit, offset=offset, order_by="createdAt|DESC"
            )
            body = self.sdk.jobs.list_jobs(request=request).jobs_response
            return (list(body.data), body.next) if body else ([], None)

        return self._paginate("GET jobs", page)

    def cancel_job(self, job_id: int) -> models.JobResponse:
        return self._with_retries(
            f"DELETE jobs/{job_id}",
            lambda: _required(self.sdk.jobs.cancel_job(request=api.CancelJobRequest(job_id=job_id)).job_response),
        )

    async def cancel_job_async(self, job_id: int) -> models.JobResponse:
        async def call() -> models.JobResponse:
            response = await self.sdk.jobs.cancel_job_async(request=api.CancelJobRequest(job_id=job_id))
            return _required(response.job_response)

        return await self._with_retries_async(f"DELETE jobs/{job_id}", call)

    def job_details(self, job_id: int) -> dict[str, Any] | None:
        """OSS only, best effort: the Config API's job info (failure reasons, per-stream stats), else None."""
        root = self.settings.config_api_root
        if root is None:
            return None
        try:
            headers = {"Authorization": f"Bearer {self._security().bearer_auth}"} if self._tokens.enabled else {}
            response = self._http.post(f"{root}/jobs/get", json={"id": job_id}, headers=headers)
            if response.status_code != 200:
                return None
            payload = response.json()
            return payload if isinstance(payload, dict) else None
        except (httpx.HTTPError, ValueError, AirbyteApiError):
            return None


def _required[T](value: T | None) -> T:
    if value is None:
        raise AirbyteApiError("Airbyte API answered 200 without a body")
    return value


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


def iter_stream_stats(details: dict[str, Any] | None) -> Iterator[tuple[str, int]]:
    """(stream, records committed) from the Config API job info of the last attempt."""
    attempts = (details or {}).get("attempts") or []
    if not attempts:
        return
    attempt = (attempts[-1] or {}).get("attempt") or {}
    for item in attempt.get("streamStats") or []:
        stats = item.get("stats") or {}
        yield str(item.get("streamName")), int(stats.get("recordsCommitted") or stats.get("recordsEmitted") or 0)


def failure_reasons(details: dict[str, Any] | None) -> list[str]:
    """Airbyte's own failure messages (externalMessage) from the Config API job info, newest attempt last."""
    reasons: list[str] = []
    for item in (details or {}).get("attempts") or []:
        summary = ((item or {}).get("attempt") or {}).get("failureSummary") or {}
        for failure in summary.get("failures") or []:
            message = failure.get("externalMessage") or failure.get("internalMessage")
            origin = failure.get("failureOrigin")
            if message:
                reasons.append(f"{origin}: {message}" if origin else str(message))
    return reasons
