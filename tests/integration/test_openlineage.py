"""OpenLineage from real runs: the openlineage provider's listener, configured as docs/deploy.md says
(`[openlineage] transport` = the `transform` transport with flexlake.lineage.TenantNamespace around a `file`
transport), emits the events of a DAG named as a tenant's (`flexlake__<tenant_id>`) under `flexlake/<tenant_id>`.

Each test is one `airflow dags test` in a temp Airflow home on SQLite (the listener is loaded at Airflow's
start-up, so the configuration must be in the environment of a process of its own): a one-task DAG (~25 s with
the migration), then a whole tenant DAG on a real PostgreSQL (faker through `engine: dlt`, the one `dbt build`,
the report tasks, the catalog; ~4 min), whose build task names the dbt models' tables as its datasets.
"""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import PostgresServer
from tests.integration.dags_test import migrate, run_airflow, sandbox_environment

pytestmark = pytest.mark.integration

DAG_FILE = """
import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

with DAG("flexlake__lineage_probe", schedule=None, start_date=datetime.datetime(2026, 1, 1)):
    PythonOperator(task_id="ingest_shop", python_callable=lambda: 1)
"""


# Trust auth ignores it, so this password can be unique: no event may carry it.
PG_PASSWORD = "Pw-4c1e8-lineage-never-print-me"


def _lineage_environment(tmp_path: Path, events_file: Path) -> dict[str, str]:
    """The variables of a temp Airflow home on SQLite with OpenLineage configured as docs/deploy.md says, around a
    file transport (over os.environ, or a sandbox's: dags_test.py)."""
    transport = {
        "type": "transform",
        "transformer_class": "flexlake.lineage.TenantNamespace",
        "transformer_properties": {"namespace": "flexlake"},
        "transport": {"type": "file", "log_file_path": str(events_file), "append": True},
    }
    return {
        "AIRFLOW_HOME": str(tmp_path / "home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "flexlake",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
    }


def test_a_tenants_task_run_emits_openlineage_events_in_the_tenants_namespace(tmp_path: Path) -> None:
    """A task of a DAG named as a tenant's: its START and COMPLETE, parent run and DAG run in the tenant's namespace."""
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "probe.py").write_text(DAG_FILE)
    events_file = tmp_path / "openlineage.jsonl"
    env = {
        **os.environ,
        **_lineage_environment(tmp_path, events_file),
        "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path / "dags"),
    }
    migrate(env)
    run_airflow(env, "dags", "test", "flexlake__lineage_probe", timeout=240)
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    task_events = [event for event in events if event["job"]["name"] == "flexlake__lineage_probe.ingest_shop"]
    assert {event["eventType"] for event in task_events} == {"START", "COMPLETE"}, events
    for event in task_events:
        assert event["job"]["namespace"] == "flexlake/lineage_probe", event["job"]
        parent = event["run"]["facets"]["parent"]
        assert (parent["job"]["name"], parent["job"]["namespace"]) == (
            "flexlake__lineage_probe",
            "flexlake/lineage_probe",
        ), parent
    dag_events = [event for event in events if event["job"]["name"] == "flexlake__lineage_probe"]
    assert dag_events and all(event["job"]["namespace"] == "flexlake/lineage_probe" for event in dag_events), events


def test_a_whole_tenant_run_emits_its_dbt_models_tables_as_the_build_tasks_datasets(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """A PostgreSQL tenant's run: every job event in `flexlake/<tenant>`, the build naming marts and raw tables."""
    events_file = tmp_path / "openlineage.jsonl"
    server = f"{postgres_server.host}:{postgres_server.port}"
    env = sandbox_environment(
        tmp_path,
        **_lineage_environment(tmp_path, events_file),
        AIRFLOW_CONN_LINEAGE_PG_WH=f"postgres://{postgres_server.user}:{PG_PASSWORD}@{server}/{postgres_server.dbname}",
    )
    (Path(env["FLEXLAKE_TENANT_CONFIGS_DIR"]) / "lineage_pg.yaml").write_text(
        "tenant_id: lineage_pg\ndisplay_name: Lineage Shop\ntier: professional\n"
        f"warehouse: {{type: postgres, connection_id: lineage_pg_wh, database: {postgres_server.dbname}}}\n"
        "sources: [{system: faker, name: shop, engine: dlt, options: {count: 150, seed: 5}}]\n"
        "dbt: {disabled_marts: [customers], vars: {revenue_basis: gross}}\n"
    )
    migrate(env)
    run_airflow(env, "dags", "test", "flexlake__lineage_pg", timeout=900)
    text = events_file.read_text()
    assert PG_PASSWORD not in text, "the warehouse password leaked into an OpenLineage event"
    events = [json.loads(line) for line in text.splitlines()]
    ours = [event for event in events if event.get("job", {}).get("name", "").startswith("flexlake__lineage_pg")]
    assert {event["job"]["namespace"] for event in ours} == {"flexlake/lineage_pg"}, {e["job"]["name"] for e in ours}
    types_of = _event_types_by_job(ours)
    # The DAG run's START comes from the scheduler; `airflow dags test` emits its COMPLETE only.
    assert "COMPLETE" in types_of.get("flexlake__lineage_pg", set()), sorted(types_of)
    for job in ("flexlake__lineage_pg.dbt_build", "flexlake__lineage_pg.airbyte_sync__shop"):
        assert {"START", "COMPLETE"} <= types_of.get(job, set()), f"{job}: {sorted(types_of)}"
    (build,) = [
        e for e in ours if e["job"]["name"] == "flexlake__lineage_pg.dbt_build" and e["eventType"] == "COMPLETE"
    ]
    outputs = {(d["namespace"], d["name"]) for d in build["outputs"]}
    inputs = {(d["namespace"], d["name"]) for d in build["inputs"]}
    namespace = f"postgres://{server}"
    table = f"{postgres_server.dbname}.lineage_pg_%s"
    assert {(namespace, table % "marts.mart_revenue_daily"), (namespace, table % "core.fct_orders")} <= outputs, outputs
    raw = {name for space, name in inputs - outputs if space == namespace}
    assert any(name.endswith(".purchases") for name in raw), f"the raw faker tables among the inputs: {inputs}"
    assert {space for space, _ in inputs | outputs} == {namespace}, "datasets are named by OpenLineage's naming spec"


def _event_types_by_job(events: list[dict[str, Any]]) -> dict[str, set[str]]:
    """job name -> the event types emitted for it."""
    types: dict[str, set[str]] = {}
    for event in events:
        types.setdefault(event["job"]["name"], set()).add(event["eventType"])
    return types
