"""The build ledger: a run skips dbt only when every record its tenant's sources synced is already built."""

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.exceptions import DownstreamTasksSkipped
from flexlake import settings
from flexlake.dag_factory import build_ledger, build_task
from flexlake.dag_factory.build_ledger import (
    build_fingerprint,
    mark_built,
    mark_sync_finished,
    mark_sync_started,
    nothing_new_reason,
)
from flexlake.dag_factory.dbt_reports import NOTHING_NEW_XCOM_KEY
from flexlake.dag_factory.tenant_dag import build_tenant_dags
from flexlake.tenant_config import TenantConfig

FINGERPRINT = "f" * 64


@pytest.fixture
def catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "catalog"
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", base.as_uri())
    monkeypatch.setattr(settings, "CATALOG_CONN_ID", None)
    return base


@pytest.fixture
def tenant(tenant_folder: Path) -> TenantConfig:
    dag = build_tenant_dags(tenant_folder)["flexlake__acme_outdoor"]
    task: Any = dag.get_task("dbt_build")
    tenant: TenantConfig = task.tenant
    return tenant


def _context(try_number: int = 1, **params: Any) -> dict[str, Any]:
    defaults = {"full_refresh": False, "skip_sync": False, "select": None, "vars": None, "sources": None}
    return {"ti": SimpleNamespace(try_number=try_number), "params": {**defaults, **params}}


def _sync(tenant: TenantConfig, run: str, records: int, finish: bool = True) -> None:
    for source in tenant.sources:
        mark_sync_started(tenant.tenant_id, source.name, f"{run}#1")
        if finish:
            mark_sync_finished(tenant.tenant_id, source.name, f"{run}#1", records)


def _names(tenant: TenantConfig) -> list[str]:
    return [source.name for source in tenant.sources]


def test_a_tenant_that_never_built_builds(catalog: Path, tenant: TenantConfig) -> None:
    _sync(tenant, "run1", records=0)
    assert nothing_new_reason(tenant, _names(tenant), FINGERPRINT, _context()) is None


def test_syncs_that_brought_nothing_after_a_complete_build_skip_it(catalog: Path, tenant: TenantConfig) -> None:
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    _sync(tenant, "run2", records=0)
    reason = nothing_new_reason(tenant, _names(tenant), FINGERPRINT, _context())
    assert reason is not None and "no new records" in reason and "run1" in reason


def test_new_records_build(catalog: Path, tenant: TenantConfig) -> None:
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    _sync(tenant, "run2", records=0)
    first = tenant.sources[0].name
    mark_sync_started(tenant.tenant_id, first, "run3#1")
    mark_sync_finished(tenant.tenant_id, first, "run3#1", 3)
    assert nothing_new_reason(tenant, [first], FINGERPRINT, _context()) is None


def test_records_of_a_failed_build_are_built_by_the_next_run_even_without_new_ones(
    catalog: Path, tenant: TenantConfig
) -> None:
    """run2 synced records and its build failed (no mark_built): run3 brings nothing, but must build run2's."""
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    _sync(tenant, "run2", records=5)
    _sync(tenant, "run3", records=0)
    assert nothing_new_reason(tenant, _names(tenant), FINGERPRINT, _context()) is None


def test_a_sync_that_failed_half_way_leaves_the_source_unbuilt(catalog: Path, tenant: TenantConfig) -> None:
    """A failed sync may have committed records (Airbyte checkpoints): its retry reports 0 new ones."""
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    first = tenant.sources[0].name
    mark_sync_started(tenant.tenant_id, first, "run2#1")  # attempt 1 fails: never finished
    mark_sync_started(tenant.tenant_id, first, "run2#2")
    mark_sync_finished(tenant.tenant_id, first, "run2#2", 0)
    assert nothing_new_reason(tenant, [first], FINGERPRINT, _context()) is None


def test_a_deferred_sync_resuming_runs_pre_execute_again_without_forgetting(
    catalog: Path, tenant: TenantConfig
) -> None:
    """Airflow runs pre_execute again when a deferred task resumes on a worker (the Airbyte sync does)."""
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    for source in tenant.sources:
        mark_sync_started(tenant.tenant_id, source.name, "run2#1")
        mark_sync_started(tenant.tenant_id, source.name, "run2#1")
        mark_sync_finished(tenant.tenant_id, source.name, "run2#1", 0)
    assert nothing_new_reason(tenant, _names(tenant), FINGERPRINT, _context()) is not None


@pytest.mark.parametrize(
    ("context", "why"),
    [
        (_context(full_refresh=True), "full_refresh"),
        (_context(select="mart_revenue_daily"), "select"),
        (_context(vars={"reporting_currency": "EUR"}), "vars"),
        (_context(try_number=2), "a retry or a clear of the build"),
    ],
)
def test_a_run_that_asks_for_a_build_builds(
    catalog: Path, tenant: TenantConfig, context: dict[str, Any], why: str
) -> None:
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    _sync(tenant, "run2", records=0)
    assert nothing_new_reason(tenant, _names(tenant), FINGERPRINT, context) is None, why


def test_a_run_that_synced_nothing_builds_from_the_raw_data_there(catalog: Path, tenant: TenantConfig) -> None:
    """skip_sync (or every source left out) means: build from what is there."""
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    assert nothing_new_reason(tenant, [], FINGERPRINT, _context()) is None


def test_a_changed_project_or_definition_builds(catalog: Path, tenant: TenantConfig) -> None:
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    _sync(tenant, "run2", records=0)
    assert nothing_new_reason(tenant, _names(tenant), "0" * 64, _context()) is None


def test_an_unreadable_ledger_builds(catalog: Path, tenant: TenantConfig) -> None:
    _sync(tenant, "run1", records=120)
    mark_built(tenant, FINGERPRINT, "run1")
    _sync(tenant, "run2", records=0)
    (catalog / tenant.tenant_id / build_ledger.LEDGER_FOLDER / "build.json").write_text("{not json")
    assert nothing_new_reason(tenant, _names(tenant), FINGERPRINT, _context()) is None


def _manifest(path: Path, checksum: str, generated_at: str) -> Path:
    document = {
        "metadata": {"generated_at": generated_at},
        "nodes": {"model.flexlake.a": {"checksum": {"checksum": checksum}, "config": {"materialized": "table"}}},
        "macros": {"macro.flexlake.m": {"macro_sql": "{% macro m() %}1{% endmacro %}"}},
    }
    path.write_text(json.dumps(document))
    return path


def test_the_fingerprint_follows_the_models_not_the_manifest_timestamps(tmp_path: Path) -> None:
    first = build_fingerprint(_manifest(tmp_path / "a.json", "abc", "2026-12-07T08:00:00"), {"v": 1}, ["sel"])
    rebuilt = build_fingerprint(_manifest(tmp_path / "b.json", "abc", "2026-12-07T09:00:00"), {"v": 1}, ["sel"])
    edited = build_fingerprint(_manifest(tmp_path / "c.json", "abd", "2026-12-07T09:00:00"), {"v": 1}, ["sel"])
    other_vars = build_fingerprint(_manifest(tmp_path / "d.json", "abc", "2026-12-07T09:00:00"), {"v": 2}, ["sel"])
    assert first == rebuilt
    assert len({first, edited, other_vars}) == 3


class _TaskInstance:
    """What the build task reads and writes of its task instance: the syncs' results and its own XCom."""

    def __init__(self, sync_results: dict[str, Any]) -> None:
        self.try_number = 1
        self.sync_results = sync_results
        self.pushed: dict[str, Any] = {}

    def xcom_pull(self, task_ids: str, key: str = "return_value") -> Any:
        return self.sync_results.get(task_ids)

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def test_the_build_task_skips_every_model_task_at_once_and_says_why(catalog: Path, tenant_folder: Path) -> None:
    """No dbt: the build succeeds and hands Airflow the whole list of model tasks to skip (one API call)."""
    task: Any = build_tenant_dags(tenant_folder)["flexlake__acme_outdoor"].get_task("dbt_build")
    tenant: TenantConfig = task.tenant
    fingerprint = task._fingerprint()
    _sync(tenant, "run1", records=120)
    mark_built(tenant, fingerprint, "run1")
    _sync(tenant, "run2", records=0)
    ti = _TaskInstance({f"airbyte_sync__{source.name}": {"total_records": 0} for source in tenant.sources})
    with pytest.raises(DownstreamTasksSkipped) as skipped:
        task.execute({**_context(), "ti": ti, "run_id": "run2"})
    assert set(skipped.value.tasks) == set(task.cosmos_extra["nodes_of_task"])
    assert "dbt_transform.mart_revenue_daily.run" in skipped.value.tasks
    assert "no new records" in ti.pushed[NOTHING_NEW_XCOM_KEY]


class _FinishedBuild:
    """Stands for the Cosmos build operator after a dbt build in which every node succeeded."""

    every_node_succeeded = True

    def execute(self, context: Any) -> str:
        return "built"


def test_a_build_that_succeeded_stays_green_when_the_ledger_cannot_be_written(
    catalog: Path, tenant_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger only saves work: a storage error after a good build costs the next run a build, not this run."""
    task: Any = build_tenant_dags(tenant_folder)["flexlake__acme_outdoor"].get_task("dbt_build")
    monkeypatch.setattr(type(task), "cosmos_operator_for_run", lambda self, context: _FinishedBuild())

    def storage_down(*args: Any) -> None:
        raise OSError("object storage unreachable")

    monkeypatch.setattr(build_task, "mark_built", storage_down)
    ti = _TaskInstance({})  # no sync ran: the run builds
    assert task.execute({**_context(), "ti": ti, "run_id": "run1"}) == "built"
    assert not (catalog / task.tenant.tenant_id / build_ledger.LEDGER_FOLDER / "build.json").exists()
