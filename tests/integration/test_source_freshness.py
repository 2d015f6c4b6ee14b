"""Source freshness as publish_catalog computes it, on raw tables the test generators write as Airbyte does:
DuckDB (one raw file per source) and PostgreSQL (one raw schema per source, one connection for all), no Airflow.

One tenant, three faker sources: `shop` lower-case (SYNC_1 users/products, SYNC_2 purchases), `eu` upper-case as
Airbyte's Snowflake destination writes it, and `late` whose first sync has not run. Judged 3 h after SYNC_2 on the
professional tier (warn 2 h, error 6 h): the sources warn, their week-old streams error, `late` has no data.
"""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flexlake.freshness import check_source_freshness, freshness_breaches
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses.duckdb import DuckDBWarehouse

from tests.generators.faker import generate_faker
from tests.generators.raw_tables import write_duckdb, write_postgres
from tests.generators.shopify import SYNC_1, SYNC_2
from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

NOW = SYNC_2.extracted_at + dt.timedelta(hours=3)
CONN_ID = "h17f_freshness_pg"


def _tenant(tenant_id: str, warehouse: dict[str, Any]) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": tenant_id,
            "display_name": "Freshness probe",
            "tier": "professional",
            "warehouse": warehouse,
            "sources": [
                {"name": "shop", "system": "faker"},
                {"name": "eu", "system": "faker", "streams": ["users", "products"]},
                {"name": "late", "system": "faker"},
            ],
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
