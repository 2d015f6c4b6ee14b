"""Every warehouse type builds the one raw-destination shape (flexlake.raw_destination), and some engine writes it.

The warehouses build destinations; the engines consume them untranslated. These tests run each warehouse's
real `raw_location` against an Airflow connection given as an environment variable (Airflow's own lookup),
then hand the result to the embedded engines' payload and to the Airbyte server's typed destination.
"""

from typing import Any, get_args

import pytest
from airflow.sdk import DAG
from flexlake import cli
from flexlake.dag_factory.ingestion_tasks import AIRBYTE_PROVISION_TASK_ID, build_ingestion_tasks
from flexlake.ingestion.airbyte_api.connectors import destination_configuration
from flexlake.ingestion.base import IngestionError
from flexlake.ingestion.side_venv_runner import runner_destination_payload
from flexlake.raw_destination import DuckDBDestination, RawDestination, RawDestinationError
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.warehouse_schema import ENGINE_WAREHOUSES, WarehouseConfig
from flexlake.warehouses import get_warehouse

CONNECTIONS = {
    "postgres": "postgres://svc:s3cret-pw@db.example.com:5432/analytics",
    "snowflake": "snowflake://svc:s3cret-pw@/?account=xy12345&warehouse=LOADING&role=SYSADMIN",
    "redshift": "redshift://svc:s3cret-pw@cluster.example.com:5439/analytics",
    "sqlserver": "generic://svc:s3cret-pw@mssql.example.com:1433",
}
REFUSAL = "no embedded cache for {warehouse}"


def _schema_warehouse_types() -> list[str]:
    """The `type` values the tenant file accepts, read from the discriminated union itself."""
    union = get_args(WarehouseConfig)[0]
    return sorted(get_args(model.model_fields["type"].annotation)[0] for model in get_args(union))


WAREHOUSE_TYPES = _schema_warehouse_types()
EMBEDDED_TYPES = ENGINE_WAREHOUSES["embedded"] | ENGINE_WAREHOUSES["dlt"]


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


def _destination(warehouse_type: str, monkeypatch: pytest.MonkeyPatch) -> RawDestination:
    if warehouse_type in CONNECTIONS:
        monkeypatch.setenv("AIRFLOW_CONN_ACME_DW", CONNECTIONS[warehouse_type])
    return get_warehouse(warehouse_type).raw_location(_tenant(warehouse_type), "shop")


@pytest.mark.parametrize("warehouse_type", WAREHOUSE_TYPES)
def test_every_warehouse_type_has_an_embedded_or_a_server_destination(
    warehouse_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its destination is taken as is by each engine the schema says can write it, and refused by the others."""
    destination = _destination(warehouse_type, monkeypatch)
    assert destination.warehouse_type == warehouse_type, f"{warehouse_type}: built {destination!r}"
    assert destination.schema == "acme_raw_shop", f"{warehouse_type}: schema {destination.schema}"
    writers = [engine for engine, types in ENGINE_WAREHOUSES.items() if warehouse_type in types]
    assert writers, f"{warehouse_type}: no ingestion engine writes it (ENGINE_WAREHOUSES)"
    if warehouse_type in EMBEDDED_TYPES:
        payload = runner_destination_payload(destination, REFUSAL)
        assert (payload["type"], payload["schema"]) == (warehouse_type, "acme_raw_shop"), payload
    else:
        with pytest.raises(IngestionError, match=f"no embedded cache for {warehouse_type}"):
            runner_destination_payload(destination, REFUSAL)
    if warehouse_type in ENGINE_WAREHOUSES["airbyte"]:
        configuration = destination_configuration(destination).model_dump(by_alias=True, mode="json")
        assert configuration["schema"] == "acme_raw_shop", f"{warehouse_type}: Airbyte destination {configuration}"


def test_every_warehouse_type_of_the_schema_is_registered_and_nothing_else() -> None:
    """The tenant file's warehouse types and the registry's are the same set (a new type is one module + one line)."""
    for warehouse_type in WAREHOUSE_TYPES:
        assert get_warehouse(warehouse_type).type == warehouse_type, warehouse_type
    assert set().union(*ENGINE_WAREHOUSES.values()) == set(WAREHOUSE_TYPES), ENGINE_WAREHOUSES


def _dag_destinations(tenant: TenantConfig) -> dict[str, Any]:
    with DAG(dag_id=f"flexlake__{tenant.tenant_id}", schedule=None) as dag:
        build_ingestion_tasks(tenant)
    provision = dag.get_task(AIRBYTE_PROVISION_TASK_ID)
    destinations: dict[str, Any] = provision.destinations()  # type: ignore[union-attr]
    return destinations


@pytest.mark.parametrize("warehouse_type", WAREHOUSE_TYPES)
def test_the_cli_plan_and_the_dag_send_every_source_to_the_same_destination(
    warehouse_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`flexlake airbyte plan|apply` and the DAG's airbyte_provision task resolve equal destinations."""
    if warehouse_type in CONNECTIONS:
        monkeypatch.setenv("AIRFLOW_CONN_ACME_DW", CONNECTIONS[warehouse_type])
    tenant = _tenant(warehouse_type)

    from_cli = cli._airbyte_raw_destinations(tenant)
    from_dag = _dag_destinations(tenant)

    assert set(from_cli) == {"shop", "app"}, f"{warehouse_type}: the CLI resolved {sorted(from_cli)}"
    assert from_cli == from_dag, f"{warehouse_type}: CLI {from_cli} differs from DAG {from_dag}"


@pytest.mark.parametrize("warehouse_type", ["postgres", "snowflake", "redshift", "sqlserver"])
def test_a_warehouse_connection_without_a_login_names_the_connection_and_the_fix(
    warehouse_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No login: an error naming the Airflow connection and the field to set, before any engine starts."""
    monkeypatch.setenv("AIRFLOW_CONN_ACME_DW", CONNECTIONS[warehouse_type].replace("svc:s3cret-pw@", ""))
    with pytest.raises(RawDestinationError, match=r"'acme_dw'.*no login: set its login") as raised:
        get_warehouse(warehouse_type).raw_location(_tenant(warehouse_type), "shop")
    assert "s3cret" not in str(raised.value), raised.value


@pytest.mark.parametrize("warehouse_type", sorted(CONNECTIONS))
def test_a_destination_never_shows_its_password(warehouse_type: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The password is left out of repr, so a logged destination leaks nothing."""
    destination = _destination(warehouse_type, monkeypatch)
    assert not isinstance(destination, DuckDBDestination), destination
    assert destination.password == "s3cret-pw", f"{warehouse_type}: the password should be carried"
    assert "s3cret-pw" not in repr(destination), repr(destination)
