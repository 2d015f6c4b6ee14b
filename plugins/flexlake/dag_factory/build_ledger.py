"""What the tenant's raw data holds that dbt has not built yet, so a run whose syncs brought nothing new skips dbt.

An hourly (or event-driven) run whose sources had no new records would otherwise pay a whole `dbt build`: dbt's
start-up, every incremental model's window queries and every data test, for marts that cannot change (issue 14:
a run with no new data cost ~0.7 of a full rebuild). dbt cannot know in advance that nothing changed; the syncs
can. So the tenant keeps a small ledger beside its catalog (`<catalog>/<tenant>/ledger/`, the same object storage,
so it works when tasks run on different workers):

- `sources/<source>.json`: `unbuilt` is true while records the source synced have not gone through a complete,
  successful build. A sync sets it before it starts (a sync that fails half-way may have written records) and,
  when it ends, puts back the earlier value unless it wrote records.
- `build.json`: the fingerprint of what the last complete, successful build built from (the project's nodes and
  macros as the manifest has them, the tenant's vars and selection), so a new release or a tenant's changed
  definitions build even without new data.

The build skips only when the run synced at least one source, every source of the tenant is built, the
fingerprint is unchanged, and nothing asked for a build (a retry or clear of the build, `full_refresh`, `vars`,
`select`, or `skip_sync`, which means "build from the raw data already there"). Anything unreadable means build.
A tenant runs one run at a time (max_active_runs=1), so the ledger has one writer per file.
"""

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from airflow.sdk import ObjectStoragePath

from flexlake import settings
from flexlake.catalog import catalog_root
from flexlake.dag_factory.run_params import FULL_REFRESH_PARAM, SELECT_PARAM, SKIP_SYNC_PARAM, VARS_PARAM, requested
from flexlake.tenant_config import TenantConfig

log = logging.getLogger(__name__)

LEDGER_FOLDER = "ledger"
# Run parameters that ask for a build whatever the sources brought (skip_sync: build from the raw data there).
_BUILD_FORCING_PARAMS = (FULL_REFRESH_PARAM, SELECT_PARAM, VARS_PARAM, SKIP_SYNC_PARAM)


def ledger_root(tenant_id: str) -> ObjectStoragePath:
    return catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID) / LEDGER_FOLDER


def _source_entry(tenant_id: str, source_name: str) -> ObjectStoragePath:
    return ledger_root(tenant_id) / "sources" / f"{source_name}.json"


def _read(path: ObjectStoragePath) -> dict[str, Any] | None:
    """A ledger file's content; None when it is missing or unreadable (both mean: build)."""
    try:
        if not path.exists():
            return None
        value = json.loads(path.read_text())
    except Exception:  # a broken ledger must never break a run: it only costs a build
        log.warning("could not read the build ledger file %s: the run builds", path, exc_info=True)
        return None
    return value if isinstance(value, dict) else None


def _write(path: ObjectStoragePath, value: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, sort_keys=True))


def mark_sync_started(tenant_id: str, source_name: str, attempt: str) -> None:
    """Before a sync writes anything: the source counts as unbuilt until the sync says it wrote nothing.

    `attempt` names the sync task's try (run id and try number): Airflow runs `pre_execute` again when a deferred
    sync resumes, which must not forget what the source was before. An earlier attempt still "syncing" failed and
    may have written records: the source is unbuilt. Raises when the ledger cannot be written: a sync that could
    fail half-way without the ledger knowing would let a later run skip dbt over records it never built."""
    path = _source_entry(tenant_id, source_name)
    earlier = _read(path)
    if earlier is not None and earlier.get("state") == "syncing" and earlier.get("attempt") == attempt:
        return
    was_unbuilt = earlier is None or bool(earlier.get("unbuilt", True)) or earlier.get("state") != "synced"
    _write(path, {"unbuilt": True, "was_unbuilt": was_unbuilt, "attempt": attempt, "state": "syncing"})


def mark_sync_finished(tenant_id: str, source_name: str, attempt: str, records: int) -> None:
    """After a sync succeeded: unbuilt if it wrote records, else what it was before the sync started."""
    path = _source_entry(tenant_id, source_name)
    started = _read(path) or {}
    was_unbuilt = bool(started.get("was_unbuilt", True)) if started.get("attempt") == attempt else True
    entry = {"unbuilt": was_unbuilt or records > 0, "attempt": attempt, "state": "synced", "records": records}
    _write(path, entry)


def mark_built(tenant: TenantConfig, fingerprint: str, run_id: str) -> None:
    """After a complete build in which every node succeeded: all the tenant's synced records are built."""
    for source in tenant.sources:
        path = _source_entry(tenant.tenant_id, source.name)
        entry = _read(path) or {}
        _write(path, {**entry, "unbuilt": False, "built_by": run_id})
    _write(ledger_root(tenant.tenant_id) / "build.json", {"fingerprint": fingerprint, "run_id": run_id})


def build_forced_by(context: Mapping[str, Any]) -> str | None:
    """The run parameter or retry that asks for a build whatever the sources brought, or None."""
    task_instance = context.get("ti")
    if task_instance is not None and int(getattr(task_instance, "try_number", 1)) > 1:
        return "a retry or clear of the build"
    for name in _BUILD_FORCING_PARAMS:
        value = requested(context, name)
        if value not in (None, False, "", {}, []):
            return f"the run parameter {name}"
    return None


def nothing_new_reason(
    tenant: TenantConfig, synced_sources: Iterable[str], fingerprint: str, context: Mapping[str, Any]
) -> str | None:
    """Why this run's build may be skipped (its syncs brought nothing dbt has not built), or None to build."""
    synced = sorted(synced_sources)
    if not synced or build_forced_by(context):
        return None
    built = _read(ledger_root(tenant.tenant_id) / "build.json")
    if built is None or built.get("fingerprint") != fingerprint:
        return None
    for source in tenant.sources:
        entry = _read(_source_entry(tenant.tenant_id, source.name))
        if entry is None or entry.get("unbuilt", True) or entry.get("state") != "synced":
            return None
    return (
        f"no new records: the run synced {', '.join(synced)} and no source brought a record that run "
        f"{built.get('run_id')}'s complete build has not built; the project and the tenant's definitions are "
        "unchanged. Trigger with full_refresh, vars or skip_sync to build anyway."
    )


def build_fingerprint(manifest_path: Path, dbt_vars: Mapping[str, Any], selection: Iterable[str]) -> str:
    """What a build's result depends on besides the data: each node's checksum and config, the macros' SQL, the
    vars and the selection. Not the manifest's bytes: `make manifest` rewrites its timestamps every time."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = {
        unique_id: [node.get("checksum", {}).get("checksum"), node.get("config")]
        for unique_id, node in sorted({**manifest.get("nodes", {}), **manifest.get("seeds", {})}.items())
    }
    macros = {unique_id: macro.get("macro_sql") for unique_id, macro in sorted(manifest.get("macros", {}).items())}
    content = json.dumps([nodes, macros, dict(dbt_vars), sorted(selection)], sort_keys=True, default=str)
    return hashlib.sha256(content.encode()).hexdigest()
