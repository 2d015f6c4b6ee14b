"""DuckDB provisioning executed: schemas in the tenant's file, and the reader's read-only path."""

from pathlib import Path

import duckdb
import pytest
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.base import MODEL_LAYERS
from flexlake.warehouses.duckdb import DuckDBWarehouse
from flexlake.warehouses.reader_credentials import TaskCredentialStore


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "duck",
            "display_name": "Duck",
            "tier": "starter",
            "warehouse": {"type": "duckdb", "path": str(tmp_path / "duck" / "warehouse.duckdb")},
            "sources": [{"name": "shop", "system": "faker"}],
        }
    )


def test_provisioning_creates_the_model_schemas_once_then_skips(tenant: TenantConfig) -> None:
    """First run executes the CREATE SCHEMAs; an unchanged second run executes nothing."""
    warehouse = get_warehouse("duckdb")
    first = warehouse.provision(tenant, TaskCredentialStore(), force=False)
    second = warehouse.provision(tenant, TaskCredentialStore(), force=False)
    assert not first.skipped and first.statements_executed == len(MODEL_LAYERS), first
    assert second.skipped and second.statements_executed == 0, second
    assert first.fingerprint == second.fingerprint and first.reader_credentials == "not applicable"
    with duckdb.connect(tenant.warehouse.path or "", read_only=True) as connection:
        names = {row[0] for row in connection.execute("select schema_name from information_schema.schemata").fetchall()}
    assert {f"duck_{layer}" for layer in MODEL_LAYERS} <= names, names


def test_the_plan_tells_readers_to_open_the_file_read_only(tenant: TenantConfig) -> None:
    """DuckDB has no users: the plan's notes give the read-only path, and there are no roles."""
    plan = get_warehouse("duckdb").provisioning_plan(tenant)
    assert plan.reader_role is None and plan.reader_connection_id is None
    assert "read_only=True" in plan.describe() and str(tenant.warehouse.path) in plan.describe()


def test_the_reader_connection_reads_marts_and_every_write_fails(tenant: TenantConfig) -> None:
    """A reader opening the file read-only can SELECT; INSERT, CREATE TABLE, CREATE SCHEMA and DROP raise."""
    warehouse = DuckDBWarehouse()
    warehouse.provision(tenant, TaskCredentialStore(), force=True)
    with duckdb.connect(tenant.warehouse.path or "") as writer:
        writer.execute("create table duck_marts.fct_orders as select 1 as order_id")
    with warehouse.reader_connection(tenant) as reader:
        assert reader.execute("select order_id from duck_marts.fct_orders").fetchall() == [(1,)]
        for statement in (
            "insert into duck_marts.fct_orders values (2)",
            "create table duck_marts.mine (id int)",
            "create schema mine",
            "drop table duck_marts.fct_orders",
        ):
            with pytest.raises(duckdb.Error, match="read-only"):
                reader.execute(statement)
