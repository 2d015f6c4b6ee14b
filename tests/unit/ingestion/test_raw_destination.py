"""`flexlake airbyte plan|apply` and the tenant DAG's airbyte_provision task send raw data to the same place.

Both call flexlake.ingestion.destinations.raw_destination; this runs both real paths (the CLI's helper, and
the callable the DAG factory hands to the provision operator) for every warehouse type.
"""

from typing import Any

import pytest
from airflow.sdk import DAG
from flexlake import cli
from flexlake.dag_factory.ingestion_tasks import AIRBYTE_PROVISION_TASK_ID, build_ingestion_tasks
from flexlake.ingestion.base import (
    DuckDBDestination,
    IngestionError,
    PostgresDestination,
    ServerDestination,
)
from flexlake.ingestion.destinations import raw_destination
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import RawLocation

CONNECTIONS = {
    "postgres": "postgres://svc:s3cret-pw@db.example.com:5432/analytics",
    "snowflake": "snowflake://svc:s3cret-pw@/?account=xy12345&warehouse=LOADING&role=SYSADMIN",
    "redshift": "redshift://svc:s3cret-pw@cluster.example.com:5439/analytics",
    "sqlserver": "generic://svc:s3cret-pw@mssql.example.com:1433",
}
EXPECTED_TYPE = {
    "duckdb": DuckDBDestination,
    "postgres": PostgresDestination,
    "snowflake": ServerDestination,
    "redshift": ServerDestination,
    "sqlserver": ServerDestination,
}


def _tenant(warehouse_type: str) -> TenantConfig:
    warehouse: dict[str, Any] = {"type": warehouse_type}
    if warehouse_type != "duckdb":
        warehouse |= {"connection_id": "acme_dw", "database": "analytics"}
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": "starter",
            "warehouse": warehouse,
            "sources": [
                {"name": "shop", "system": "faker", "engine": "airbyte"},
                {"name": "app", "system": "faker", "engine": "airbyte"},
            ],
            "airbyte": {"connection_id": "airbyte_cloud"},
        }
    )


def _dag_destinations(tenant: TenantConfig) -> dict[str, Any]:
    with DAG(dag_id=f"flexlake__{tenant.tenant_id}", schedule=None) as dag:
        build_ingestion_tasks(tenant)
    provision = dag.get_task(AIRBYTE_PROVISION_TASK_ID)
    destinations: dict[str, Any] = provision.destinations()  # type: ignore[attr-defined]
    return destinations


@pytest.mark.parametrize("warehouse_type", sorted(EXPECTED_TYPE))
def test_the_cli_plan_and_the_dag_send_every_source_to_the_same_destination(
    warehouse_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For each warehouse type the CLI resolves a destination (no 'no Airbyte destination') equal to the DAG's."""
    if warehouse_type in CONNECTIONS:
        monkeypatch.setenv("AIRFLOW_CONN_ACME_DW", CONNECTIONS[warehouse_type])
    tenant = _tenant(warehouse_type)

    from_cli = cli._airbyte_raw_destinations(tenant)
    from_dag = _dag_destinations(tenant)

    assert set(from_cli) == {"shop", "app"}, f"{warehouse_type}: the CLI resolved {sorted(from_cli)}"
    assert from_cli == from_dag, f"{warehouse_type}: CLI {from_cli} differs from DAG {from_dag}"
    for name, destination in from_cli.items():
        assert isinstance(destination, EXPECTED_TYPE[warehouse_type]), f"{warehouse_type}/{name}: {destination}"
        assert destination.schema == f"acme_raw_{name}", f"{warehouse_type}/{name}: schema {destination.schema}"


def test_a_server_location_without_a_login_names_what_is_missing() -> None:
    """A connection without a login is an IngestionError saying what the connection needs, not a KeyError."""
    location = RawLocation(kind="snowflake", database="analytics", schema="acme_raw_shop", host="h")
    with pytest.raises(IngestionError, match="needs a host and a login") as raised:
        raw_destination(location)
    assert "acme_raw_shop" in str(raised.value), f"the error should name the schema: {raised.value}"
