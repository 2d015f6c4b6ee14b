"""Source freshness as publish_catalog computes it, on raw tables the test generators write as Airbyte does:
DuckDB (one raw file per source), PostgreSQL (one raw schema per source, one connection for all) and the DB-API
path of Snowflake, Redshift and SQL Server (a Redshift tenant on the PostgreSQL proxy); no Airflow stack.

One tenant, three faker sources: `shop` lower-case (SYNC_1 users/products, SYNC_2 purchases), `eu` upper-case as
Airbyte's Snowflake destination writes it, and `late` whose first sync has not run. Judged 3 h after SYNC_2 on the
professional tier (warn 2 h, error 6 h): the sources warn, their week-old streams error, `late` has no data.
"""

import datetime as dt
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from flexlake import warehouses
from flexlake.freshness import check_source_freshness, freshness_breaches
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.duckdb import DuckDBWarehouse
from flexlake.warehouses.redshift import RedshiftWarehouse

from tests.generators.faker import generate_faker
from tests.generators.raw_tables import write_duckdb, write_postgres
from tests.generators.shopify import SYNC_1, SYNC_2
from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

NOW = SYNC_2.extracted_at + dt.timedelta(hours=3)
CONN_ID = "h17f_freshness_pg"


def _tenant(tenant_id: str, warehouse: dict[str, Any], engine: str = "embedded") -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": tenant_id,
            "display_name": "Freshness probe",
            "tier": "professional",
            "warehouse": warehouse,
            "sources": [
                {"name": "shop", "system": "faker", "engine": engine},
                {"name": "eu", "system": "faker", "engine": engine, "streams": ["users", "products"]},
                {"name": "late", "system": "faker", "engine": engine},
            ],
            **({"airbyte": {"connection_id": "h17f_airbyte"}} if engine == "airbyte" else {}),
        }
    )


def _assert_judged(freshness: dict[str, Any]) -> None:
    sources = freshness["sources"]
    assert {name: source["status"] for name, source in sources.items()} == {
        "shop": "warn",
        "eu": "error",
        "late": "no_data",
    }, sources
    shop = sources["shop"]
    assert shop["newest"] == SYNC_2.extracted_at.isoformat(timespec="seconds"), shop
    assert shop["age_minutes"] == 180.0, shop
    assert {stream: value["status"] for stream, value in shop["streams"].items()} == {
        "users": "error",
        "products": "error",
        "purchases": "warn",
    }, shop["streams"]
    assert sources["eu"]["newest"] == SYNC_1.extracted_at.isoformat(timespec="seconds"), sources["eu"]
    assert (freshness["status"], freshness["newest"]) == ("error", shop["newest"]), freshness
    assert [line.split(" ")[0:2] for line in freshness_breaches(freshness)] == [["eu", "(error):"], ["shop", "(warn):"]]


def test_duckdb_raw_files_are_judged_per_source_and_stream(tmp_path: Path) -> None:
    """Each source's own raw file, opened read-only; a source without a file has no data."""
    tenant = _tenant("fresh_duck", {"type": "duckdb", "path": str(tmp_path / "warehouse.duckdb")})
    duckdb_warehouse = DuckDBWarehouse()
    dataset = generate_faker(seed=3)
    write_duckdb(dataset, str(duckdb_warehouse.raw_path(tenant, "shop")), "fresh_duck_raw_shop")
    write_duckdb(dataset, str(duckdb_warehouse.raw_path(tenant, "eu")), "fresh_duck_raw_eu", upper_case=True)
    _assert_judged(check_source_freshness(tenant, now=NOW))


def test_postgres_raw_schemas_are_judged_through_the_tenants_connection(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tenant's Airflow connection, one query per raw schema; timestamptz values compared in UTC."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", postgres_server.url)
    tenant = _tenant("fresh_pg", {"type": "postgres", "connection_id": CONN_ID, "database": postgres_server.dbname})
    dataset = generate_faker(seed=3)
    write_postgres(dataset, postgres_server.connection_kwargs, "fresh_pg_raw_shop")
    write_postgres(dataset, postgres_server.connection_kwargs, "fresh_pg_raw_eu", upper_case=True)
    _assert_judged(check_source_freshness(tenant, now=NOW))


class _RedshiftOnPostgres(RedshiftWarehouse):
    """The DB-API path Snowflake, Redshift and SQL Server share (DbApiWarehouse.newest_extracted_at), with the
    driver swapped for psycopg2 as in test_redshift_provisioning.py (redshift_connector's startup parameter is
    refused by PostgreSQL)."""

    def connect(self, tenant: TenantConfig, airflow_connection: Any) -> Any:
        connection = psycopg2.connect(
            host=airflow_connection.host,
            port=airflow_connection.port,
            user=airflow_connection.login,
            password=airflow_connection.password,
            dbname=self.config(tenant).database,
        )
        connection.autocommit = True
        return connection


def test_the_shared_db_api_path_reads_through_the_tenants_connection(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Redshift tenant's raw schemas, read by the server warehouses' shared code on the PostgreSQL proxy."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", postgres_server.url)
    warehouse = {"type": "redshift", "connection_id": CONN_ID, "database": postgres_server.dbname}
    tenant = _tenant("fresh_rs", warehouse, engine="airbyte")
    dataset = generate_faker(seed=3)
    write_postgres(dataset, postgres_server.connection_kwargs, "fresh_rs_raw_shop")
    write_postgres(dataset, postgres_server.connection_kwargs, "fresh_rs_raw_eu", upper_case=True)
    monkeypatch.setitem(warehouses._WAREHOUSES, "redshift", _RedshiftOnPostgres())
    _assert_judged(check_source_freshness(tenant, now=NOW))
