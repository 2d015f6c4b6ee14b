"""A tenant with `engine: dlt` end to end: its DAG's sync task (dlt, no ELv2 component) → dbt → marts.

On DuckDB and on the session's PostgreSQL. The sync runs through the tenant DAG's own ingestion task (its
callable: the engine dispatch, the warehouse's raw location, the dlt venv), twice, as two scheduled runs
would; then one `dbt build` of the faker path to the revenue and customer marts with the warehouse's own dbt
vars, as the DAG's dbt stage runs it. The staging models are the ones PyAirbyte's tables feed: unchanged.
Cost: ~2 s per sync (import dlt, 150 users), one dbt build per warehouse.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from airflow.providers.standard.operators.python import PythonOperator
from flexlake import settings
from flexlake.dag_factory.ingestion_tasks import build_ingestion_tasks
from flexlake.ingestion.embedded_dlt import dlt_python
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse

from tests.integration.conftest import PostgresServer
from tests.integration.dbt_cli import run_dbt

pytestmark = pytest.mark.integration

COUNT, SEED = 150, 11
# faker: 100 products, one purchase per user on average; every sync appends each record once more.
ROWS_PER_SYNC = {"users": COUNT, "products": 100, "purchases": COUNT}
MARTS = ["mart_revenue_daily", "mart_customer_lifetime"]
OTHER_SYSTEMS = [
    f"path:models/{layer}/{system}" for system in ("shopify", "stripe") for layer in ("staging", "adapters")
]
Fetch = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture(autouse=True)
def _require_the_dlt_venv() -> None:
    if not dlt_python().exists():
        pytest.skip(f"{dlt_python()} is missing: run scripts/bootstrap.sh")


def _tenant(tenant_id: str, warehouse: dict[str, Any]) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": tenant_id,
            "display_name": tenant_id,
            "tier": "starter",
            "warehouse": warehouse,
            "sources": [
                {"name": "shop", "system": "faker", "engine": "dlt", "options": {"count": COUNT, "seed": SEED}}
            ],
        }
    )


def _sync_twice(tenant: TenantConfig) -> list[dict[str, Any]]:
    """The tenant DAG's sync task, run as two DAG runs would run it: its callable returns the XCom summary."""
    (task,) = build_ingestion_tasks(tenant)
    assert isinstance(task, PythonOperator) and task.task_id == "airbyte_sync__shop", task
    return [task.python_callable(), task.python_callable()]


def _assert_synced(summaries: list[dict[str, Any]], fetch: Fetch, raw_schema: str) -> None:
    for summary in summaries:
        assert summary["engine"] == "dlt", summary
        records = {stats["stream"]: stats["records"] for stats in summary["streams"]}
        assert records == ROWS_PER_SYNC, f"records per sync: {records}"
    for stream, rows in ROWS_PER_SYNC.items():
        ((landed, distinct_ids, extractions),) = fetch(
            f"select count(*), count(distinct id), count(distinct _airbyte_extracted_at) from {raw_schema}.{stream}"
        )
        assert (landed, distinct_ids, extractions) == (2 * rows, rows, 2), (
            f"{stream}: two syncs append every record once each, with one extraction time per sync: "
            f"{landed} rows, {distinct_ids} ids, {extractions} extraction times"
        )


def _build_marts(target: str, dbt_vars: dict[str, Any], work_dir: Path, env: dict[str, str] | None = None) -> None:
    select = ["--select", *(f"+{mart}" for mart in MARTS), "--exclude", *OTHER_SYSTEMS, "path:models/pass_through"]
    # cautious: only the tests whose every parent is built (relationships to unselected facts are left out).
    result = run_dbt(["build", *select, "--indirect-selection", "cautious"], target, dbt_vars, work_dir, env)
    assert result.returncode == 0, f"dbt build on {target} failed:\n{result.stdout[-5000:]}"


def _assert_marts(raw: Fetch, marts: Fetch, raw_schema: str, prefix: str) -> None:
    """Marts count each purchase and customer once, though raw holds every record twice."""
    ((purchased,),) = raw(f"select count(distinct id) from {raw_schema}.purchases where purchased_at is not null")
    ((orders, days),) = marts(f"select sum(orders), count(*) from {prefix}_marts.mart_revenue_daily")
    ((customers,),) = marts(f"select count(*) from {prefix}_marts.mart_customer_lifetime")
    assert days > 0 and orders == purchased, f"mart_revenue_daily: {orders} orders over {days} days, raw {purchased}"
    assert customers == COUNT, f"mart_customer_lifetime: {customers} customers, expected one per user ({COUNT})"


def _duckdb_fetch(path: Path) -> Fetch:
    def fetch(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(path), read_only=True) as connection:
            return connection.sql(sql).fetchall()

    return fetch


def test_a_dlt_tenant_on_duckdb_syncs_twice_and_builds_its_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """engine: dlt into the tenant's raw DuckDB file; dbt attaches it and builds the marts."""
    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    tenant = _tenant("dlt_duck", {"type": "duckdb"})
    warehouse = get_warehouse("duckdb")
    raw = _duckdb_fetch(tmp_path / "dlt_duck" / "raw_shop.duckdb")

    _assert_synced(_sync_twice(tenant), raw, "dlt_duck_raw_shop")
    _build_marts("duckdb", warehouse.dbt_vars(tenant), tmp_path / "dbt")
    _assert_marts(raw, _duckdb_fetch(tmp_path / "dlt_duck" / "warehouse.duckdb"), "dlt_duck_raw_shop", "dlt_duck")


def test_a_dlt_tenant_on_postgres_syncs_twice_and_builds_its_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: PostgresServer
) -> None:
    """engine: dlt into the tenant's raw schema on a real PostgreSQL; dbt builds the marts from it."""
    server = postgres_server
    monkeypatch.setenv(
        "AIRFLOW_CONN_DLT_PG_WH", f"postgres://{server.user}:{server.password}@{server.host}:{server.port}/"
    )
    tenant = _tenant("dlt_pg", {"type": "postgres", "connection_id": "dlt_pg_wh", "database": server.dbname})
    _assert_synced(_sync_twice(tenant), server.fetch, "dlt_pg_raw_shop")
    _build_marts("postgres", get_warehouse("postgres").dbt_vars(tenant), tmp_path / "dbt", server.dbt_env)
    _assert_marts(server.fetch, server.fetch, "dlt_pg_raw_shop", "dlt_pg")
