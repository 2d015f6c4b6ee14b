"""A run whose syncs bring no new record skips dbt (dag_factory/build_ledger.py), through the real task runner.

Two `airflow dags test` runs of a professional DuckDB tenant whose faker source (PyAirbyte, the real connector)
has `always_updated: false`: its second sync emits nothing (the connector's incremental state). The first run
builds everything; the second succeeds without dbt, every model task skipped at once, and publishes the previous
docs with its own summary, leaving the reader copy the first build published as it is. A third run with
`full_refresh` builds again.
"""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.integration.dags_test import migrate, run_airflow, sandbox_environment

pytestmark = pytest.mark.integration

TENANT_ID = "quiet_shop"
DAG_ID = f"flexlake__{TENANT_ID}"


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("nothing_new")
    environment = sandbox_environment(root)
    (Path(environment["FLEXLAKE_TENANT_CONFIGS_DIR"]) / f"{TENANT_ID}.yaml").write_text(
        f"tenant_id: {TENANT_ID}\ndisplay_name: Quiet Shop\ntier: professional\nwarehouse: {{type: duckdb}}\n"
        "sources: [{system: faker, name: shop, engine: embedded,"
        " options: {count: 120, seed: 5, always_updated: false}}]\n"
    )
    migrate(environment)
    return environment


def _run(environment: dict[str, str], logical_date: str, conf: dict[str, object] | None = None) -> str:
    arguments = ["dags", "test", DAG_ID, logical_date, *(["--conf", json.dumps(conf)] if conf else [])]
    log_file = Path(environment["AIRFLOW_HOME"]).parent / f"dags_test_{logical_date[:10]}.log"
    return run_airflow(environment, *arguments, log_file=log_file)


def _latest_summary(environment: dict[str, str]) -> dict[str, object]:
    catalog = Path(environment["FLEXLAKE_DATA_DIR"]) / "catalog" / TENANT_ID
    version = catalog / (catalog / "latest").read_text().strip()
    assert (version / "index.html").exists(), f"the version has no docs: {sorted(p.name for p in version.iterdir())}"
    summary: dict[str, object] = json.loads((version / "summary.json").read_text())
    return summary


def _task_states(environment: dict[str, str], day: str) -> dict[str, str]:
    """The task states of the run of that logical day, from the sandbox's metadata DB (sqlite for `dags test`)."""
    database = Path(environment["AIRFLOW_HOME"]) / "airflow.db"
    with closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "select ti.task_id, ti.state from task_instance ti join dag_run dr"
            " on dr.dag_id = ti.dag_id and dr.run_id = ti.run_id where dr.dag_id = ? and dr.logical_date like ?",
            (DAG_ID, f"{day}%"),
        ).fetchall()
    return {str(task_id): str(state) for task_id, state in rows}


def test_a_run_with_nothing_new_skips_dbt_and_a_full_refresh_builds_again(environment: dict[str, str]) -> None:
    _run(environment, "2026-12-01T00:00:00+00:00")
    first = _latest_summary(environment)
    assert first["nothing_new"] is None
    models_built = first["dbt"]["models"]  # type: ignore[index]
    assert models_built.get("success", 0) > 20 and set(models_built) == {"success"}, models_built

    reader_copy = Path(environment["FLEXLAKE_DATA_DIR"]) / TENANT_ID / "reader.duckdb"
    published = reader_copy.stat().st_mtime_ns  # by the first run's dbt_build

    output = _run(environment, "2026-12-02T00:00:00+00:00")
    second = _latest_summary(environment)
    assert "no new records" in str(second["nothing_new"]), second["nothing_new"]
    assert "nothing new" in str(second["docs_reused"]), second["docs_reused"]
    assert reader_copy.stat().st_mtime_ns == published, "a run with nothing new republished the reader copy"
    assert second["ingestion"]["shop"]["total_records"] == 0, second["ingestion"]  # type: ignore[index]
    assert second["dbt"]["models"] == {}, "no dbt node ran"  # type: ignore[index]
    assert "dbt build not needed" in output
    states = _task_states(environment, "2026-12-02")
    assert states["dbt_build"] == "success" and states["publish_catalog"] == "success", states
    model_states = {state for task_id, state in states.items() if task_id.startswith("dbt_transform.")}
    assert model_states == {"skipped"}, states

    _run(environment, "2026-12-03T00:00:00+00:00", {"full_refresh": True})
    third = _latest_summary(environment)
    assert third["nothing_new"] is None and third["dbt"]["models"] == models_built, third["dbt"]  # type: ignore[index]
