"""What a run publishes and when (issue 16): the reader copy right after the build, the docs not on event-driven runs.

Real parts: the tenant's DAG from the factory, a real DuckDB warehouse file and reader copy, the catalog on the local
filesystem. Only dbt itself is stood in for (the Cosmos build operator's outcome, the docs task's dbt run).
"""

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pytest
from airflow.sdk import ObjectStoragePath
from flexlake import settings
from flexlake.catalog.publish import LATEST_POINTER
from flexlake.dag_factory import catalog_task
from flexlake.dag_factory.catalog_task import EVENT_RUN_DOCS_REASON, docs_reuse_reason
from flexlake.dag_factory.dbt_operator import DbtNodeOperator
from flexlake.dag_factory.dbt_reports import NOTHING_NEW_XCOM_KEY
from flexlake.dag_factory.tenant_dag import build_tenant_dags
from flexlake.warehouses import model_schema_name
from flexlake.warehouses.duckdb_reader import READER_FILE_NAME

TENANT_DAG = "flexlake__acme_outdoor"  # professional, DuckDB: a catalog with docs and a reader copy


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setattr(settings, "DATA_DIR", data)
    monkeypatch.setattr(settings, "CATALOG_BASE_URI", (data / "catalog").as_uri())
    monkeypatch.setattr(settings, "CATALOG_CONN_ID", None)
    return data


@pytest.fixture
def dag(tenant_folder: Path) -> Any:
    return build_tenant_dags(tenant_folder)[TENANT_DAG]


class _TaskInstance:
    def __init__(self, nothing_new: str | None = None) -> None:
        self.try_number = 1
        self.nothing_new = nothing_new
        self.pushed: dict[str, Any] = {}

    def xcom_pull(self, task_ids: str, key: str = "return_value") -> Any:
        return self.nothing_new if key == NOTHING_NEW_XCOM_KEY else None

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def _context(run_type: str, nothing_new: str | None = None, run_id: str = "run_1") -> dict[str, Any]:
    ti = _TaskInstance(nothing_new)
    params = {"full_refresh": False, "skip_sync": False, "select": None, "vars": None, "sources": None}
    dag_run = SimpleNamespace(run_type=run_type, conf={})
    return {"ti": ti, "task_instance": ti, "run_id": run_id, "dag_run": dag_run, "params": params}


def _live_marts(data: Path, dag: Any, revenue: int) -> Path:
    """The tenant's warehouse file as a build leaves it: a marts table."""
    tenant = dag.get_task("dbt_build").tenant
    live = data / tenant.tenant_id / "warehouse.duckdb"
    live.parent.mkdir(parents=True, exist_ok=True)
    marts = model_schema_name(tenant, "marts")
    with duckdb.connect(str(live)) as connection:
        connection.execute(f"create schema if not exists {marts}")
        connection.execute(f"create or replace table {marts}.mart_revenue_daily as select {revenue} as revenue")
    return live.parent / READER_FILE_NAME


class _Build:
    """The Cosmos build operator after dbt ran: whether any node failed, and whether all of them were reached."""

    def __init__(self, *, failed: bool) -> None:
        self.no_node_failed = not failed
        self.every_node_succeeded = not failed

    def execute(self, context: Any) -> str:
        return "built"


def _build(dag: Any, monkeypatch: pytest.MonkeyPatch, *, failed: bool) -> None:
    task = dag.get_task("dbt_build")
    monkeypatch.setattr(type(task), "cosmos_operator_for_run", lambda self, context: _Build(failed=failed))
    assert task.execute(_context("asset_triggered")) == "built"


def test_the_build_publishes_the_reader_copy_as_soon_as_it_succeeded(
    data_dir: Path, dag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers see new marts when dbt_build ends, before the model report tasks and the docs."""
    reader = _live_marts(data_dir, dag, revenue=10)
    _build(dag, monkeypatch, failed=False)
    with duckdb.connect(str(reader), read_only=True) as connection:
        assert connection.execute("select revenue from acme_outdoor_marts.mart_revenue_daily").fetchall() == [(10,)]


def test_a_build_with_a_failed_node_keeps_the_previous_reader_copy(
    data_dir: Path, dag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed model must not put a half-built set of marts in front of readers: the last good copy stays."""
    reader = _live_marts(data_dir, dag, revenue=10)
    _build(dag, monkeypatch, failed=False)
    _live_marts(data_dir, dag, revenue=99)
    _build(dag, monkeypatch, failed=True)
    with duckdb.connect(str(reader), read_only=True) as connection:
        assert connection.execute("select revenue from acme_outdoor_marts.mart_revenue_daily").fetchall() == [(10,)]


def test_the_catalog_task_no_longer_touches_the_reader_copy(data_dir: Path, dag: Any) -> None:
    """publish_catalog runs after the report tasks; the copy it used to write there came ~35 s after the data."""
    reader = _live_marts(data_dir, dag, revenue=10)
    catalog_task.publish_tenant_run(None, tenant=dag.get_task("dbt_build").tenant, context=_context("manual"))
    assert not reader.exists()


@pytest.mark.parametrize(
    ("run_type", "reused"),
    [("asset_triggered", True), ("scheduled", False), ("manual", False)],
)
def test_only_event_driven_runs_reuse_the_docs(data_dir: Path, dag: Any, run_type: str, reused: bool) -> None:
    """The rule docs/deploy.md states: messages' runs republish the docs; the floor schedule and manual runs
    generate them."""
    tenant = dag.get_task("publish_catalog").tenant
    catalog = data_dir / "catalog" / tenant.tenant_id
    catalog.mkdir(parents=True)
    (catalog / LATEST_POINTER).write_text("20261207T000000__scheduled_1")
    assert docs_reuse_reason(tenant, _context(run_type)) == (EVENT_RUN_DOCS_REASON if reused else None)


def test_the_first_event_driven_run_generates_the_docs(data_dir: Path, dag: Any) -> None:
    """Without a previous version there is nothing to republish."""
    assert docs_reuse_reason(dag.get_task("publish_catalog").tenant, _context("asset_triggered")) is None


def test_nothing_new_reuses_the_docs_on_any_run(data_dir: Path, dag: Any) -> None:
    """A build that did not run describes the same tables as the previous docs, whatever started the run."""
    reason = docs_reuse_reason(dag.get_task("publish_catalog").tenant, _context("manual", nothing_new="no new records"))
    assert reason is not None and "no new records" in reason


def test_an_event_driven_run_publishes_its_summary_with_the_previous_docs_without_dbt(
    data_dir: Path, dag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's own summary (the portal's Runs view) with the floor run's docs; dbt docs generate never starts."""
    task = dag.get_task("publish_catalog")
    tenant = task.tenant
    docs = data_dir / "project" / "target"
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<html>docs of the floor run</html>")
    catalog_task.publish_tenant_run(str(docs.parent), tenant=tenant, context=_context("scheduled", run_id="floor"))

    def no_dbt(self: Any, context: Any) -> None:
        raise AssertionError("dbt docs generate ran on an event-driven run")

    monkeypatch.setattr(DbtNodeOperator, "execute", no_dbt)
    target = ObjectStoragePath(task.execute(_context("asset_triggered", run_id="event_1")))
    summary = json.loads((target / "summary.json").read_text())
    assert summary["run_id"] == "event_1" and summary["docs_reused"] == EVENT_RUN_DOCS_REASON, summary
    assert (target / "index.html").read_text() == "<html>docs of the floor run</html>"
    catalog = data_dir / "catalog" / tenant.tenant_id
    assert (catalog / LATEST_POINTER).read_text().strip() == target.name
