"""Make a tenant's Airbyte objects match its file: workspace, tag, sources, destinations, connections.

Idempotent by construction: every object has a deterministic name (`flexlake__<tenant>__<source>`...),
connections also carry the tenant's tag; an object is created when missing, patched only when its
non-secret configuration differs, and never duplicated (two objects with one name is an error naming
both ids, never a guess). `plan` runs the same code without writing. Secrets (passwords, API keys) come
from Airflow connections and are masked in every change shown; Airbyte never shows them back, so a
rotated secret alone is not detected (re-create the object, or patch it by hand).

What each change records and how configurations are compared lives in `plan`.
Cost when nothing changed: five list calls (workspaces, tags, sources, destinations, connections).
"""

import logging
from collections.abc import Callable, Mapping, Sequence

from airbyte_api import models

from flexlake.ingestion.airbyte_api.client import AirbyteClient
from flexlake.ingestion.airbyte_api.connectors import (
    SourceCredentials,
    comparable,
    destination_configuration,
    source_configuration,
)
from flexlake.ingestion.airbyte_api.plan import (
    SYNC_MODE,
    Action,
    Change,
    ProvisionResult,
    connection_differences,
    described,
    field_differences,
)
from flexlake.ingestion.base import IngestionError
from flexlake.raw_destination import RawDestination
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.schema import SourceConfig

logger = logging.getLogger(__name__)


def workspace_name(tenant: TenantConfig) -> str:
    assert tenant.airbyte is not None
    return default_workspace_name(tenant.tenant_id, tenant.airbyte.workspace)


def default_workspace_name(tenant_id: str, configured: str | None) -> str:
    return configured or f"flexlake-{tenant_id}"


def tag_name(tenant: TenantConfig) -> str:
    return f"flexlake:{tenant.tenant_id}"


def source_name(tenant: TenantConfig, source: SourceConfig) -> str:
    return f"flexlake__{tenant.tenant_id}__{source.name}"


def destination_name(tenant: TenantConfig, source: SourceConfig) -> str:
    return f"flexlake__{tenant.tenant_id}__{source.name}__raw"


def connection_name(tenant: TenantConfig, source: SourceConfig) -> str:
    return connection_name_for(tenant.tenant_id, source.name)


def connection_name_for(tenant_id: str, source_name: str) -> str:
    return f"flexlake__{tenant_id}__{source_name}"


def airbyte_sources(tenant: TenantConfig) -> list[SourceConfig]:
    return [source for source in tenant.sources if source.engine == "airbyte"]


def provision(
    client: AirbyteClient,
    tenant: TenantConfig,
    destinations: Mapping[str, RawDestination],
    credentials: Mapping[str, SourceCredentials | None],
    *,
    apply: bool,
) -> ProvisionResult:
    """Plan (apply=False) or apply the tenant's Airbyte objects; returns the changes and connection ids."""
    if tenant.airbyte is None:
        raise IngestionError(f"tenant {tenant.tenant_id} has no airbyte: block")
    return _Provisioner(client, tenant, destinations, credentials, apply).run()


class _Provisioner:
    def __init__(
        self,
        client: AirbyteClient,
        tenant: TenantConfig,
        destinations: Mapping[str, RawDestination],
        credentials: Mapping[str, SourceCredentials | None],
        apply: bool,
    ) -> None:
        self.client, self.tenant, self.apply = client, tenant, apply
        self.destinations, self.credentials = destinations, credentials
        self.result = ProvisionResult(tenant_id=tenant.tenant_id, applied=apply)

    def run(self) -> ProvisionResult:
        workspace_id = self._workspace()
        self.result.workspace_id = workspace_id
        tag = self._tag(workspace_id)
        sources = self.client.list_sources(workspace_id) if workspace_id else []
        destinations = self.client.list_destinations(workspace_id) if workspace_id else []
        connections = self.client.list_connections(workspace_id) if workspace_id else []
        for source in airbyte_sources(self.tenant):
            source_id = self._source(workspace_id, source, sources)
            destination_id = self._destination(workspace_id, source, destinations)
            connection_id = self._connection(source, connections, source_id, destination_id, tag)
            if connection_id:
                self.result.connection_ids[source.name] = connection_id
        for change in self.result.pending:
            logger.info("Airbyte %s %s %s", change.action, change.kind, change.name)
        return self.result

    def _note(self, kind: str, name: str, action: Action, details: Sequence[str] = ()) -> None:
        self.result.changes.append(Change(kind, name, action, tuple(details)))

    # --- workspace and tag --------------------------------------------------------------------------

    def _workspace(self) -> str | None:
        name = workspace_name(self.tenant)
        found = _unique("workspace", name, self.client.list_workspaces(), lambda w: w.name, lambda w: w.workspace_id)
        if found is not None:
            self._note("workspace", name, "unchanged")
            return found.workspace_id
        self._note("workspace", name, "create")
        if not self.apply:
            return None

        def recover() -> models.WorkspaceResponse | None:
            return _unique("workspace", name, self.client.list_workspaces(), lambda w: w.name, lambda w: w.workspace_id)

        return self.client.create_workspace(name, recover).workspace_id

    def _tag(self, workspace_id: str | None) -> models.TagResponse | None:
        name = tag_name(self.tenant)
        if workspace_id is None:  # plan on a server without the workspace yet
            self._note("tag", name, "create")
            return None

        def find() -> models.TagResponse | None:
            return _unique("tag", name, self.client.list_tags(workspace_id), lambda t: t.name, lambda t: t.tag_id)

        found = find()
        if found is not None:
            self._note("tag", name, "unchanged")
            return found
        self._note("tag", name, "create")
        return self.client.create_tag(workspace_id, name, find) if self.apply else None

    # --- sources and destinations -------------------------------------------------------------------

    def _source(
        self, workspace_id: str | None, source: SourceConfig, existing: list[models.SourceResponse]
    ) -> str | None:
        name = source_name(self.tenant, source)
        desired = source_configuration(source, self.credentials.get(source.name))
        found = _unique("source", name, existing, lambda s: s.name, lambda s: s.source_id)
        if found is None:
            self._note("source", name, "create", described(desired))
            if not self.apply or workspace_id is None:
                return None
            request = models.SourceCreateRequest(name=name, workspace_id=workspace_id, configuration=desired)

            def recover() -> models.SourceResponse | None:
                listed = self.client.list_sources(workspace_id)
                return _unique("source", name, listed, lambda s: s.name, lambda s: s.source_id)

            return self.client.create_source(request, recover).source_id
        differences = field_differences(comparable(self.client.source_configuration(found)), comparable(desired))
        if not differences:
            self._note("source", name, "unchanged")
            return found.source_id
        self._note("source", name, "update", differences)
        if self.apply:
            self.client.patch_source(found.source_id, models.SourcePatchRequest(name=name, configuration=desired))
        return found.source_id

    def _destination(
        self, workspace_id: str | None, source: SourceConfig, existing: list[models.DestinationResponse]
    ) -> str | None:
        name = destination_name(self.tenant, source)
        desired = destination_configuration(self.destinations[source.name])
        found = _unique("destination", name, existing, lambda d: d.name, lambda d: d.destination_id)
        if found is None:
            self._note("destination", name, "create", described(desired))
            if not self.apply or workspace_id is None:
                return None
            request = models.DestinationCreateRequest(name=name, workspace_id=workspace_id, configuration=desired)

            def recover() -> models.DestinationResponse | None:
                listed = self.client.list_destinations(workspace_id)
                return _unique("destination", name, listed, lambda d: d.name, lambda d: d.destination_id)

            return self.client.create_destination(request, recover).destination_id
        differences = field_differences(comparable(found.configuration), comparable(desired))
        if not differences:
            self._note("destination", name, "unchanged")
            return found.destination_id
        self._note("destination", name, "update", differences)
        if self.apply:
            patch = models.DestinationPatchRequest(name=name, configuration=desired)
            self.client.patch_destination(found.destination_id, patch)
        return found.destination_id

    # --- connections --------------------------------------------------------------------------------

    def _connection(
        self,
        source: SourceConfig,
        existing: list[models.ConnectionResponse],
        source_id: str | None,
        destination_id: str | None,
        tag: models.TagResponse | None,
    ) -> str | None:
        name = connection_name(self.tenant, source)
        found = _unique("connection", name, existing, lambda c: c.name, lambda c: c.connection_id)
        streams = [models.StreamConfiguration(name=stream, sync_mode=SYNC_MODE) for stream in source.streams]
        schedule = models.AirbyteAPIConnectionSchedule(schedule_type=models.ScheduleTypeEnum.MANUAL)
        tags = [_as_tag(tag)] if tag else []
        if found is None:
            self._note("connection", name, "create", [f"streams: {', '.join(source.streams)} ({SYNC_MODE.value})"])
            if not self.apply or source_id is None or destination_id is None:
                return None
            request = models.ConnectionCreateRequest(
                name=name,
                source_id=source_id,
                destination_id=destination_id,
                configurations=models.StreamConfigurations(streams=streams),
                schedule=schedule,
                namespace_definition=models.NamespaceDefinitionEnum.DESTINATION,
                status=models.ConnectionStatusEnum.ACTIVE,
                tags=tags,
            )
            workspace_id = self.result.workspace_id or ""

            def recover() -> models.ConnectionResponse | None:
                listed = self.client.list_connections(workspace_id)
                return _unique("connection", name, listed, lambda c: c.name, lambda c: c.connection_id)

            return self.client.create_connection(request, recover).connection_id
        if (found.source_id, found.destination_id) != (source_id, destination_id):
            raise IngestionError(
                f"Airbyte connection {name} ({found.connection_id}) links other source/destination objects than "
                f"{source_name(self.tenant, source)} / {destination_name(self.tenant, source)}; delete it and re-apply"
            )
        differences = connection_differences(found, source, tag)
        if not differences:
            self._note("connection", name, "unchanged")
            return found.connection_id
        self._note("connection", name, "update", differences)
        if self.apply:
            patch = models.ConnectionPatchRequest(
                configurations=models.StreamConfigurations(streams=streams),
                schedule=schedule,
                namespace_definition=models.NamespaceDefinitionEnum.DESTINATION,
                status=models.ConnectionStatusEnum.ACTIVE,
                tags=tags,
            )
            self.client.patch_connection(found.connection_id, patch)
        return found.connection_id


def _as_tag(tag: models.TagResponse) -> models.Tag:
    return models.Tag(tag_id=tag.tag_id, name=tag.name, color=tag.color, workspace_id=tag.workspace_id)


def _unique[T](
    kind: str, name: str, items: Sequence[T], name_of: Callable[[T], str], id_of: Callable[[T], str]
) -> T | None:
    matches = [item for item in items if name_of(item) == name]
    if len(matches) > 1:
        ids = ", ".join(id_of(item) for item in matches)
        raise IngestionError(
            f"Airbyte has {len(matches)} {kind}s named {name!r} ({ids}); flexlake never guesses: delete the extra ones"
        )
    return matches[0] if matches else None
