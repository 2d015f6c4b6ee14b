"""A tenant's DAG run end to end: real faker sync, real dbt per model through Cosmos, real catalog publish.

Each run goes through `airflow dags test` (the real task runner and metadata DB, in one process), in a
temp Airflow home, data folder and tenant folder. One tenant on the embedded DuckDB default, one on a
real PostgreSQL server started by the session (tests/integration/conftest.py). Both sync with `engine: dlt`
(the Apache-licensed engine: `.venvs/dlt`); the PyAirbyte engine runs whole DAGs in the REST module.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
import pytest
from flexlake.dag_factory import build_tenant_dags

from tests.integration.conftest import PostgresServer
from tests.integration.dags_test import migrate, run_airflow, sandbox_environment

pytestmark = pytest.mark.integration

# Trust auth ignores it, so this password can be unique: the test greps for it in logs and artifacts.
PG_PASSWORD = "Pw-7f3b9-never-print-me"
PROFESSIONAL_CATALOG_FILES = {
    "manifest.json",
    "catalog.json",
    "run_results.json",
    "index.html",
    "static_index.html",
    "summary.json",
}


def _rendered_model_count(sandbox: "Sandbox", tenant_id: str) -> int:
    """dbt models in the tenant's DAG: one `<model>.run` task each."""
    dag = build_tenant_dags(sandbox.tenants)[f"flexlake__{tenant_id}"]
    return sum(1 for task in dag.tasks if task.task_id.startswith("dbt_transform.") and task.task_id.endswith(".run"))


@dataclass(frozen=True)
class Sandbox:
    environment: dict[str, str]
    tenants: Path
    data: Path


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    root = tmp_path_factory.mktemp("dag_runs")
    environment = sandbox_environment(root)
    migrate(environment)
    yield Sandbox(
        environment=environment,
        tenants=Path(environment["FLEXLAKE_TENANT_CONFIGS_DIR"]),
        data=Path(environment["FLEXLAKE_DATA_DIR"]),
    )


def _run_dag(sandbox: Sandbox, tenant_id: str, extra_env: dict[str, str] | None = None) -> str:
    environment = {**sandbox.environment, **(extra_env or {})}
    return run_airflow(environment, "dags", "test", f"flexlake__{tenant_id}")


def _latest_version(sandbox: Sandbox, tenant_id: str) -> Path:
    root = sandbox.data / "catalog" / tenant_id
    return root / (root / "latest").read_text().strip()


def test_a_duckdb_tenant_runs_end_to_end_and_publishes_its_catalog(sandbox: Sandbox) -> None:
    """Sync → dbt → publish on DuckDB: marts have rows, the catalog version folder is complete. The source syncs
    with `engine: dlt` (issue 21: the hosted tier's path has no source-available component); PyAirbyte runs whole
    DuckDB tenant DAGs in the REST module's test_a and the image rehearsal."""
    (sandbox.tenants / "duck_shop.yaml").write_text(
        "tenant_id: duck_shop\ndisplay_name: Duck Shop\ntier: professional\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop, engine: dlt, options: {count: 120, seed: 3}}]\n"
    )
    output = _run_dag(sandbox, "duck_shop")
    with duckdb.connect(str(sandbox.data / "duck_shop" / "warehouse.duckdb"), read_only=True) as connection:
        orders = connection.execute("select count(*) from duck_shop_core.fct_orders").fetchone()
        revenue = connection.execute("select count(*) from duck_shop_marts.mart_revenue_daily").fetchone()
    assert orders and orders[0] > 0, "fct_orders is empty"
    assert revenue and revenue[0] > 0, "mart_revenue_daily is empty"
    # The reader's copy of the marts, published by dbt_build as soon as it ends, before the catalog (issue 16: readers
    # see new data ~35 s sooner); the reader never opens the live file.
    published_copy = output.find("reader copy published after the build")
    assert 0 <= published_copy < output.find("published catalog version"), "dbt_build did not publish the copy first"
    with duckdb.connect(str(sandbox.data / "duck_shop" / "reader.duckdb"), read_only=True) as reader:
        copied = reader.execute("select count(*) from duck_shop_marts.mart_revenue_daily").fetchone()
    assert copied == revenue, f"reader copy {copied} != warehouse {revenue}"
    version = _latest_version(sandbox, "duck_shop")
    assert {path.name for path in version.iterdir()} == PROFESSIONAL_CATALOG_FILES
    summary = json.loads((version / "summary.json").read_text())
    streams = {s["stream"]: s["records"] for s in summary["ingestion"]["shop"]["streams"]}
    assert streams["users"] == 120 and streams["products"] == 100, streams
    # Every model the tenant's DAG renders (the product minus other source systems' models) succeeded.
    assert summary["dbt"]["models"] == {"success": _rendered_model_count(sandbox, "duck_shop")}, summary["dbt"]
    # The run's one `dbt build` ran exactly the DAG's nodes: no failing, erroring or skipped test anywhere.
    assert set(summary["dbt"]["tests"]) <= {"pass", "warn"} and summary["dbt"]["tests"]["pass"] > 0, summary["dbt"]
    assert summary["mart_rows"]["mart_customer_lifetime"] == streams["users"] or summary["mart_rows"]
    run_results = json.loads((version / "run_results.json").read_text())
    built = {r["unique_id"] for r in run_results["results"] if r["unique_id"].startswith("model.")}
    assert "model.flexlake.mart_revenue_daily" in built, "the merged run_results must hold every task's results"


def test_a_postgres_tenant_runs_end_to_end_without_leaking_its_password(
    sandbox: Sandbox, postgres_server: PostgresServer
) -> None:
    """Sync → dbt → publish on a real PostgreSQL; the connection's password appears in no log or artifact. The
    source syncs with `engine: dlt` (the hosted tier's engine, issue 21): its runner gets the password on stdin and
    must not print it either. PyAirbyte on PostgreSQL runs through a DAG in the REST module's test_e."""
    (sandbox.tenants / "shop_pg.yaml").write_text(
        "tenant_id: shop_pg\ndisplay_name: PG Shop\ntier: professional\n"
        f"warehouse: {{type: postgres, connection_id: shop_pg_wh, database: {postgres_server.dbname}}}\n"
        "sources: [{system: faker, name: shop, engine: dlt, options: {count: 150, seed: 5}}]\n"
        "dbt: {disabled_marts: [customers], vars: {revenue_basis: gross}}\n"
    )
    uri = f"postgres://{postgres_server.user}:{PG_PASSWORD}@{postgres_server.host}:{postgres_server.port}/"
    output = _run_dag(sandbox, "shop_pg", {"AIRFLOW_CONN_SHOP_PG_WH": uri + postgres_server.dbname})
    with (
        psycopg2.connect(
            host=postgres_server.host,
            port=postgres_server.port,
            user=postgres_server.user,
            password=postgres_server.password,
            dbname=postgres_server.dbname,
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("select count(*), sum(revenue) = sum(gross_revenue) from shop_pg_marts.mart_revenue_daily")
        days, gross_reported = cursor.fetchone()
        cursor.execute("select table_name from information_schema.tables where table_schema = 'shop_pg_marts'")
        mart_tables = {table for (table,) in cursor.fetchall()}
    connection.close()
    assert days > 0, "mart_revenue_daily is empty"
    assert gross_reported, "revenue_basis: gross must make revenue equal gross revenue"
    # The customers mart is removed by the tenant; the subscriptions mart is left out (no subscription system).
    assert mart_tables == {"mart_revenue_daily", "mart_revenue_daily_by_channel", "mart_product_performance"}, (
        f"the revenue and products marts' tables, not the removed customers mart: {mart_tables}"
    )
    version = _latest_version(sandbox, "shop_pg")
    assert PG_PASSWORD not in output, "the password leaked into the task logs"
    for artifact in version.iterdir():
        assert PG_PASSWORD not in artifact.read_text(errors="replace"), f"the password leaked into {artifact.name}"
