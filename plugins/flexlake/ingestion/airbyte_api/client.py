"""`AirbyteClient`: the typed calls flexlake makes to one Airbyte server, one method per resource operation.

Each method is one SDK call wrapped by `transport.ApiTransport` (tokens, retries, pagination, errors):
lists follow every page, creates take a `recover` callback that finds what a failed attempt committed.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from airbyte_api import api, models

from flexlake.ingestion.airbyte_api.server_settings import ServerSettings, server_settings_from_airflow
from flexlake.ingestion.airbyte_api.transport import AirbyteApiError, ApiTransport, RetryPolicy

T = TypeVar("T")
Recover = Callable[[], T | None]


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
        self._api = ApiTransport(
            settings, retry=retry, transport=transport, async_transport=async_transport, clock=clock
        )
        self.sdk = self._api.sdk

    @property
    def token_fetches(self) -> int:
        return self._api.token_fetches

    def close(self) -> None:
        self._api.close()

    async def aclose(self) -> None:
        await self._api.aclose()

    def _body(self, what: str, call: Callable[[], T | None], recover: Recover[T] | None = None) -> T:
        """A call whose response must carry a body (every create, get, patch and cancel)."""
        return self._api.call(what, lambda: _required(call()), recover)

    async def _body_async(self, what: str, call: Callable[[], Awaitable[T | None]]) -> T:
        async def required() -> T:
            return _required(await call())

        return await self._api.call_async(what, required)

    # --- health, workspaces, tags -------------------------------------------------------------------

    def health(self) -> None:
        self._api.call("GET health", self.sdk.health.get_health_check)

    def list_workspaces(self) -> list[models.WorkspaceResponse]:
        return self._api.paginate(
            "GET workspaces",
            lambda limit, offset: (
                self.sdk.workspaces.list_workspaces(
                    request=api.ListWorkspacesRequest(limit=limit, offset=offset)
                ).workspaces_response
            ),
        )

    def create_workspace(self, name: str, recover: Recover[models.WorkspaceResponse]) -> models.WorkspaceResponse:
        request = models.WorkspaceCreateRequest(name=name)
        return self._body(
            "POST workspaces", lambda: self.sdk.workspaces.create_workspace(request=request).workspace_response, recover
        )

    def list_tags(self, workspace_id: str) -> list[models.TagResponse]:
        """Tags are not paginated in API 1.0.1."""

        def call() -> list[models.TagResponse]:
            body = self.sdk.tags.list_tags(request=api.ListTagsRequest(workspace_ids=[workspace_id])).tags_response
            return list(body.data) if body else []

        return self._api.call("GET tags", call)

    def create_tag(self, workspace_id: str, name: str, recover: Recover[models.TagResponse]) -> models.TagResponse:
        request = models.TagCreateRequest(name=name, color="2F80ED", workspace_id=workspace_id)
        return self._body("POST tags", lambda: self.sdk.tags.create_tag(request=request).tag_response, recover)

    # --- sources and destinations -------------------------------------------------------------------

    def list_sources(self, workspace_id: str) -> list[models.SourceResponse]:
        return self._api.paginate(
            "GET sources",
            lambda limit, offset: (
                self.sdk.sources.list_sources(
                    request=api.ListSourcesRequest(workspace_ids=[workspace_id], limit=limit, offset=offset)
                ).sources_response
            ),
        )

    def create_source(
        self, request: models.SourceCreateRequest, recover: Recover[models.SourceResponse]
    ) -> models.SourceResponse:
        return self._body(
            "POST sources", lambda: self.sdk.sources.create_source(request=request).source_response, recover
        )

    def source_configuration(self, source: models.SourceResponse) -> dict[str, Any]:
        """The source's configuration as the server sent it (the SDK's parsed one is unreliable: see
        source_configurations.py); secrets masked by the server."""
        return self._api.source_configurations.configuration(source.source_id)

    def patch_source(self, source_id: str, patch: models.SourcePatchRequest) -> models.SourceResponse:
        request = api.PatchSourceRequest(source_id=source_id, source_patch_request=patch)
        return self._body("PATCH sources", lambda: self.sdk.sources.patch_source(request=request).source_response)

    def list_destinations(self, workspace_id: str) -> list[models.DestinationResponse]:
        return self._api.paginate(
            "GET destinations",
            lambda limit, offset: (
                self.sdk.destinations.list_destinations(
                    request=api.ListDestinationsRequest(workspace_ids=[workspace_id], limit=limit, offset=offset)
                ).destinations_response
            ),
        )

    def create_destination(
        self, request: models.DestinationCreateRequest, recover: Recover[models.DestinationResponse]
    ) -> models.DestinationResponse:
        return self._body(
            "POST destinations",
            lambda: self.sdk.destinations.create_destination(request=request).destination_response,
            recover,
        )

    def patch_destination(
        self, destination_id: str, patch: models.DestinationPatchRequest
    ) -> models.DestinationResponse:
        request = api.PatchDestinationRequest(destination_id=destination_id, destination_patch_request=patch)
        return self._body(
            "PATCH destinations", lambda: self.sdk.destinations.patch_destination(request=request).destination_response
        )

    # --- connections --------------------------------------------------------------------------------

    def list_connections(self, workspace_id: str) -> list[models.ConnectionResponse]:
        return self._api.paginate(
            "GET connections",
            lambda limit, offset: (
                self.sdk.connections.list_connections(
                    request=api.ListConnectionsRequest(workspace_ids=[workspace_id], limit=limit, offset=offset)
                ).connections_response
            ),
        )

    def create_connection(
        self, request: models.ConnectionCreateRequest, recover: Recover[models.ConnectionResponse]
    ) -> models.ConnectionResponse:
        return self._body(
            "POST connections",
            lambda: self.sdk.connections.create_connection(request=request).connection_response,
            recover,
        )

    def patch_connection(self, connection_id: str, patch: models.ConnectionPatchRequest) -> models.ConnectionResponse:
        request = api.PatchConnectionRequest(connection_id=connection_id, connection_patch_request=patch)
        return self._body(
            "PATCH connections", lambda: self.sdk.connections.patch_connection(request=request).connection_response
        )

    # --- jobs ---------------------------------------------------------------------------------------

    def create_sync_job(self, connection_id: str) -> models.JobResponse:
        """Start a sync. A 409 (a job is already running) raises AirbyteApiError with status 409."""
        request = models.JobCreateRequest(connection_id=connection_id, job_type=models.JobTypeEnum.SYNC)
        return self._body("POST jobs", lambda: self.sdk.jobs.create_job(request=request).job_response)

    def get_job(self, job_id: int) -> models.JobResponse:
        request = api.GetJobRequest(job_id=job_id)
        return self._body(f"GET jobs/{job_id}", lambda: self.sdk.jobs.get_job(request=request).job_response)

    async def get_job_async(self, job_id: int) -> models.JobResponse:
        async def call() -> models.JobResponse | None:
            return (await self.sdk.jobs.get_job_async(request=api.GetJobRequest(job_id=job_id))).job_response

        return await self._body_async(f"GET jobs/{job_id}", call)

    def list_jobs(self, connection_id: str, status: models.JobStatusEnum | None = None) -> list[models.JobResponse]:
        return self._api.paginate(
            "GET jobs",
            lambda limit, offset: (
                self.sdk.jobs.list_jobs(
                    request=api.ListJobsRequest(
                        connection_id=connection_id,
                        status=status,
                        limit=limit,
                        offset=offset,
                        order_by="createdAt|DESC",
                    )
                ).jobs_response
            ),
        )

    def cancel_job(self, job_id: int) -> models.JobResponse:
        request = api.CancelJobRequest(job_id=job_id)
        return self._body(f"DELETE jobs/{job_id}", lambda: self.sdk.jobs.cancel_job(request=request).job_response)

    async def cancel_job_async(self, job_id: int) -> models.JobResponse:
        async def call() -> models.JobResponse | None:
            return (await self.sdk.jobs.cancel_job_async(request=api.CancelJobRequest(job_id=job_id))).job_response

        return await self._body_async(f"DELETE jobs/{job_id}", call)

    def job_details(self, job_id: int) -> dict[str, Any] | None:
        """OSS only, best effort: the Config API's job info (failure reasons, per-stream stats), else None."""
        return self._api.post_config_api("/jobs/get", {"id": job_id})


def client_from_airflow(connection_id: str) -> AirbyteClient:
    """A client for the Airbyte server of an Airflow connection (provider format). Task time only."""
    return AirbyteClient(server_settings_from_airflow(connection_id))


def _required[V](value: V | None) -> V:
    if value is None:
        raise AirbyteApiError("Airbyte API answered 200 without a body")
    return value
