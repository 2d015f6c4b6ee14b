"""`flexlake cost`: per tenant, what its runs used, summed from the run summaries the catalog published.

Each published version (<base>/<tenant>/<UTC stamp>__<run key>/summary.json, flexlake.catalog.publish) holds the
run's ingestion results per source (records, duration_seconds) and its dbt summary (execution_seconds). Only the
versions retention kept are counted (a tier keeps 7-96 runs), and the output says over which runs.

The catalog is read through universal_pathlib, the path library under Airflow's ObjectStoragePath, so the command
answers in a fraction of a second; only with FLEXLAKE_CATALOG_CONN_ID set (credentials in an Airflow connection) is
ObjectStoragePath itself imported (a few seconds of Airflow import).
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from upath import UPath

from flexlake import settings

# flexlake.catalog.publish.VERSION_TIME_FORMAT (not imported: that module imports Airflow); a test keeps them equal.
VERSION_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
SUMMARY_FILE = "summary.json"
COLUMNS = ("tenant", "runs", "first_run", "last_run", "task_seconds", "sync_seconds", "dbt_seconds", "rows_synced")


@dataclass(frozen=True)
class TenantCost:
    """One tenant's runs in the period. task seconds = sync + dbt, the task time the summaries record."""

    tenant_id: str
    runs: int
    first_run: datetime
    last_run: datetime
    sync_seconds: float
    dbt_seconds: float
    rows_synced: int

    @property
    def task_seconds(self) -> float:
        return self.sync_seconds + self.dbt_seconds

    def row(self) -> tuple[str, ...]:
        return (
            self.tenant_id,
            str(self.runs),
            self.first_run.strftime("%Y-%m-%d %H:%M"),
            self.last_run.strftime("%Y-%m-%d %H:%M"),
            f"{self.task_seconds:.1f}",
            f"{self.sync_seconds:.1f}",
            f"{self.dbt_seconds:.1f}",
            str(self.rows_synced),
        )


def catalog_base() -> UPath:
    """The folder holding one catalog root per tenant (flexlake.catalog.catalog_root(base, tenant) is base/tenant)."""
    base_uri = settings.CATALOG_BASE_URI.rstrip("/") + "/"
    if settings.CATALOG_CONN_ID:
        from airflow.sdk import ObjectStoragePath  # noqa: PLC0415 - Airflow's connection holds the credentials

        return cast(UPath, ObjectStoragePath(base_uri, conn_id=settings.CATALOG_CONN_ID))
    return UPath(base_uri)


def tenant_costs(base: UPath, tenant_id: str | None = None, since: date | None = None) -> list[TenantCost]:
    """One TenantCost per tenant with a published run since `since` (all tenants under `base`, or just one)."""
    if not base.exists():
        return []
    roots = [base / tenant_id] if tenant_id else sorted((p for p in base.iterdir() if p.is_dir()), key=_name)
    costs = [_tenant_cost(root.name, published_summaries(root, since)) for root in roots if root.exists()]
    return [cost for cost in costs if cost is not None]


def _name(path: UPath) -> str:
    return path.name


def published_summaries(root: UPath, since: date | None) -> list[tuple[datetime, dict[str, Any]]]:
    found = []
    for version in root.iterdir():
        published = _version_time(version.name)
        summary = version / SUMMARY_FILE
        if published is None or (since and published.date() < since) or not summary.exists():
            continue
        found.append((published, json.loads(summary.read_text())))
    return sorted(found, key=lambda item: item[0])


def _version_time(name: str) -> datetime | None:
    """The UTC time in a version folder's name, None for anything else (runs/, latest)."""
    stamp, separator, _ = name.partition("__")
    try:
        return datetime.strptime(stamp, VERSION_TIME_FORMAT).replace(tzinfo=UTC) if separator else None
    except ValueError:
        return None


def _tenant_cost(tenant_id: str, summaries: list[tuple[datetime, dict[str, Any]]]) -> TenantCost | None:
    if not summaries:
        return None
    syncs = [sync for _, summary in summaries for sync in (summary.get("ingestion") or {}).values() if sync]
    return TenantCost(
        tenant_id=tenant_id,
        runs=len(summaries),
        first_run=summaries[0][0],
        last_run=summaries[-1][0],
        sync_seconds=sum(float(sync.get("duration_seconds") or 0) for sync in syncs),
        dbt_seconds=sum(float((summary.get("dbt") or {}).get("execution_seconds") or 0) for _, summary in summaries),
        rows_synced=sum(int(sync.get("total_records") or 0) for sync in syncs),
    )


def cost_csv(costs: list[TenantCost]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(cost.row() for cost in costs)
    return buffer.getvalue()


def cost_table(costs: list[TenantCost]) -> str:
    """Aligned columns, numbers right-aligned, then what the figures cover."""
    rows = [COLUMNS, *(cost.row() for cost in costs)]
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMNS))]
    lines = [
        "  ".join(
            cell.ljust(width) if index < 4 else cell.rjust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.append(
        "task seconds = sync + dbt seconds recorded in the run summaries; only runs kept by the tier's catalog "
        "retention are counted; warehouse time: not reported by any warehouse in the summaries"
    )
    return "\n".join(lines)
