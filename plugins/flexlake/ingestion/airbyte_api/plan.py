"""What a provisioning plan is made of: the changes, and the secret-free field differences behind them.

`provisioning` walks the server's objects and records one `Change` per object; the comparisons here decide
whether it is `create`, `update` (with one readable line per differing field) or `unchanged`. Secrets
never reach a change: configurations are compared and shown through `connectors.comparable` / `masked`.
"""

from dataclasses import dataclass, field
from typing import Literal

from airbyte_api import models

from flexlake.ingestion.airbyte_api.connectors import masked
from flexlake.tenant_config.schema import SourceConfig

Action = Literal["create", "update", "unchanged"]
# Incremental append: each sync reads only what changed since the last one (cost), and every version lands
# as a row; the data product's staging keeps the latest per key and cursor, and applies deletion records.
# Every stream we sync (faker, Shopify, Stripe) supports incremental reads.
SYNC_MODE = models.ConnectionSyncModeEnum.INCREMENTAL_APPEND


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    action: Action
    details: tuple[str, ...] = ()

    def render(self) -> str:
        symbol = {"create": "+", "update": "~", "unchanged": "="}[self.action]
        lines = [f"{symbol} {self.kind} {self.name}: {self.action}"]
        lines += [f"    {detail}" for detail in self.details]
        return "\n".join(lines)


@dataclass
class ProvisionResult:
    tenant_id: str
    applied: bool
    changes: list[Change] = field(default_factory=list)
    workspace_id: str | None = None
    connection_ids: dict[str, str] = field(default_factory=dict)

    @property
    def pending(self) -> list[Change]:
        return [change for change in self.changes if change.action != "unchanged"]

    def render(self) -> str:
        verb = "applied" if self.applied else "plan"
        head = f"Airbyte {verb} for tenant {self.tenant_id}: {len(self.pending)} change(s)"
        return "\n".join([head, *(change.render() for change in self.changes)])


def connection_differences(
    found: models.ConnectionResponse, source: SourceConfig, tag: models.TagResponse | None
) -> list[str]:
    differences = []
    current = {stream.name: stream.sync_mode for stream in found.configurations.streams or []}
    wanted = {stream: SYNC_MODE for stream in source.streams}
    if current != wanted:
        shown = ", ".join(f"{name} ({enum_value(mode)})" for name, mode in sorted(current.items()))
        differences.append(f"streams: {shown or 'none'} -> {', '.join(sorted(wanted))} ({SYNC_MODE.value})")
    if enum_value(found.schedule.schedule_type) != "manual":
        differences.append(f"schedule: {enum_value(found.schedule.schedule_type)} -> manual (Airflow drives syncs)")
    if enum_value(found.namespace_definition) != "destination":
        differences.append(f"namespaceDefinition: {enum_value(found.namespace_definition)} -> destination")
    if enum_value(found.status) != "active":
        differences.append(f"status: {enum_value(found.status)} -> active")
    if tag is not None and tag.tag_id not in {item.tag_id for item in found.tags}:
        differences.append(f"tags: + {tag.name}")
    return differences


def enum_value(value: object) -> str:
    return str(getattr(value, "value", value))


def field_differences(current: object, desired: object, prefix: str = "") -> list[str]:
    """Field-level differences of two secret-free JSON values, as readable lines."""
    if isinstance(current, dict) and isinstance(desired, dict):
        lines: list[str] = []
        for key in sorted(set(current) | set(desired)):
            lines += field_differences(current.get(key), desired.get(key), f"{prefix}{key}.")
        return lines
    if current != desired:
        return [f"{prefix.rstrip('.')}: {current!r} -> {desired!r}"]
    return []


def described(configuration: object) -> list[str]:
    data = masked(configuration)
    if not isinstance(data, dict):
        return []
    return [f"{key}: {value!r}" for key, value in sorted(data.items()) if value is not None]
