"""What the portal reads from a tenant's published catalog: its runs, its versions and their dbt docs.

The run summaries come through `flexlake cost`'s reader (flexlake.operator_tools.cost), the one place that walks
a tenant's version folders; the catalog root through flexlake.catalog (ObjectStoragePath: file://, s3://, ... with
FLEXLAKE_CATALOG_CONN_ID's credentials). Every name joined to a path went through flexlake.portal.paths first.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from airflow.sdk import ObjectStoragePath
from upath import UPath

from flexlake import settings
from flexlake.catalog.publish import LATEST_POINTER, VERSION_TIME_FORMAT, catalog_root
from flexlake.operator_tools.cost import published_summaries
from flexlake.portal.paths import VERSION_PATTERN, PathRefused, checked_version, links_leaving, version_file

DOCS_FILE = "static_index.html"
# Summary keys a sync may carry for the data's freshness, best first: the newest `_airbyte_extracted_at` the run
# loaded, else the sync's end. Neither is written yet (flexlake.dag_factory.catalog_task): then "not recorded".
FRESHNESS_KEYS = ("newest_extracted_at", "finished_at")


@dataclass(frozen=True)
class StreamRows:
    source: str
    stream: str
    records: int


@dataclass(frozen=True)
class RunRow:
    """One published run as the Runs view shows it."""

    version: str
    published: datetime
    run_id: str
    streams: tuple[StreamRows, ...]
    models: dict[str, int]
    tests: dict[str, int]
    sync_seconds: float
    dbt_seconds: float
    freshness: datetime | None
    location: str

    @property
    def rows_synced(self) -> int:
        return sum(stream.records for stream in self.streams)

    def tests_with(self, *statuses: str) -> int:
        return sum(self.tests.get(status, 0) for status in statuses)


def tenant_root(tenant_id: str) -> ObjectStoragePath:
    """The tenant's catalog prefix, read fresh; `tenant_id` must already be checked (paths.tenant_of_dag).

    Airflow keeps one filesystem per connection for the life of the API server, and s3fs caches every listing (and
    the object sizes in it) without expiry: versions published by the tasks, and audit records written by another
    API-server process, would never show, and a rewritten `latest` could be read with its old size. So each request
    drops the filesystem's listing cache first (a no-op for file://)."""
    root = catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID)
    root.fs.invalidate_cache()
    return root


def runs(root: ObjectStoragePath) -> list[RunRow]:
    """Every published run kept by retention, oldest first; PathRefused if a local link leaves the prefix."""
    if not root.exists():
        return []
    leaving = links_leaving(root)
    if leaving:
        raise PathRefused(f"the tenant's catalog folder holds links out of it: {', '.join(leaving)}")
    return [_run_row(published, summary) for published, summary in published_summaries(cast(UPath, root), None)]


def versions(root: ObjectStoragePath) -> list[str]:
    """The kept versions' names, newest first, from one listing of the tenant's root (no summary is read).

    Only names of the version shape count (`runs/`, `latest` and anything else are skipped); on a local catalog a
    link out of the prefix refuses the whole listing, as for the runs."""
    leaving = links_leaving(root)
    if leaving:
        raise PathRefused(f"the tenant's catalog folder holds links out of it: {', '.join(leaving)}")
    try:  # no exists() first: on an object store that would be a second request
        names = [entry.name for entry in root.iterdir()]
    except (FileNotFoundError, NotADirectoryError):  # the tenant never published (UPath says either)
        return []
    return sorted((name for name in names if _is_version(name)), reverse=True)


def _is_version(name: str) -> bool:
    return ".." not in name and VERSION_PATTERN.fullmatch(name) is not None


def latest_version(root: ObjectStoragePath) -> str | None:
    pointer = root / LATEST_POINTER
    return checked_version(pointer.read_text().strip()) if pointer.exists() else None


def docs_html(root: ObjectStoragePath, version: str) -> bytes | None:
    """The version's self-contained dbt docs page; None when it has none (starter tier, docs disabled)."""
    path = version_file(root, version, DOCS_FILE)
    return path.read_bytes() if path.exists() else None


def _run_row(published: datetime, summary: dict[str, Any]) -> RunRow:
    syncs = [sync for sync in (summary.get("ingestion") or {}).values() if sync]
    dbt = summary.get("dbt") or {}
    return RunRow(
        version=str(summary.get("version", "")),
        published=published,
        run_id=str(summary.get("run_id", "")),
        streams=tuple(
            StreamRows(str(sync.get("source_name", "")), str(stream.get("stream", "")), int(stream.get("records", 0)))
            for sync in syncs
            for stream in sync.get("streams") or ()
        ),
        models={str(k): int(v) for k, v in (dbt.get("models") or {}).items()},
        tests={str(k): int(v) for k, v in (dbt.get("tests") or {}).items()},
        sync_seconds=sum(float(sync.get("duration_seconds") or 0) for sync in syncs),
        dbt_seconds=float(dbt.get("execution_seconds") or 0),
        freshness=_freshness(summary, syncs),
        location=str(summary.get("location", "")),
    )


def _freshness(summary: dict[str, Any], syncs: list[dict[str, Any]]) -> datetime | None:
    """The newest `_airbyte_extracted_at` the run's freshness check read (flexlake.freshness), else the newest data
    time any sync of the run recorded (see FRESHNESS_KEYS); None when neither did."""
    newest = (summary.get("freshness") or {}).get("newest")
    if newest:
        return datetime.fromisoformat(str(newest))
    for key in FRESHNESS_KEYS:
        times = [datetime.fromisoformat(str(sync[key])) for sync in syncs if sync.get(key)]
        if times:
            return max(times)
    return None


def latest_run(root: ObjectStoragePath) -> RunRow | None:
    """The run `latest` points at, read alone (the Tenants page shows one run per tenant)."""
    version = latest_version(root)
    if version is None:
        return None
    path = version_file(root, version, "summary.json")
    if not path.exists():
        return None
    summary = json.loads(path.read_text())
    return _run_row(datetime.strptime(version[:16], VERSION_TIME_FORMAT).replace(tzinfo=UTC), summary)
