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


def test_the_plan_tells_readers_to_open_the_published_copy_read_only(tenant: TenantConfig) -> None:
    """DuckDB has no users: the plan's notes name the reader copy and its sandbox, and there are no roles."""
    plan = get_warehouse("duckdb").provisioning_plan(tenant)
    described = plan.describe()
    assert plan.reader_role is None and plan.reader_connection_id is None
    assert "read_only=True" in described and "enable_external_access=false" in described, described
    assert str(DuckDBWarehouse().reader_path(tenant)) in described, described


def _published(tenant: TenantConfig) -> DuckDBWarehouse:
    """Provisioned, one marts table and view and one core table written, the reader copy published."""
    warehouse = DuckDBWarehouse()
    warehouse.provision(tenant, TaskCredentialStore(), force=True)
    with duckdb.connect(tenant.warehouse.path or "") as writer:
        writer.execute("create table duck_marts.fct_orders as select 1 as order_id")
        writer.execute("create table duck_core.secret as select 'core only' as note")
        writer.execute("create view duck_marts.v_orders as select order_id from duck_marts.fct_orders")
    assert warehouse.publish_reader_snapshot(tenant), "nothing was published"
    return warehouse


def test_the_reader_reads_the_marts_copy_and_every_write_fails(tenant: TenantConfig) -> None:
    """The reader SELECTs marts tables and views; INSERT, CREATE TABLE, CREATE SCHEMA and DROP raise."""
    warehouse = _published(tenant)
    with warehouse.reader_connection(tenant) as reader:
        rows = reader.execute("select order_id from duck_marts.fct_orders union all select * from duck_marts.v_orders")
        assert rows.fetchall() == [(1,), (1,)], "the reader copy lacks the marts"
        schemas = {row[0] for row in reader.execute("select schema_name from information_schema.schemata").fetchall()}
        assert "duck_core" not in schemas, f"the reader copy holds more than the marts: {schemas}"
        for statement in (
            "insert into duck_marts.fct_orders values (2)",
            "create table duck_marts.mine (id int)",
            "create schema mine",
            "drop table duck_marts.fct_orders",
        ):
            with pytest.raises(duckdb.Error, match="read-only"):
                reader.execute(statement)


def test_the_reader_cannot_touch_files_attach_other_files_or_unlock_its_configuration(
    tenant: TenantConfig, tmp_path: Path
) -> None:
    """COPY TO, reading a local file, ATTACH of another tenant's file, INSTALL and re-enabling access all raise."""
    warehouse = _published(tenant)
    other_tenant_file = tmp_path / "other" / "warehouse.duckdb"
    other_tenant_file.parent.mkdir()
    duckdb.connect(str(other_tenant_file)).close()
    refused = {
        f"COPY (select 1) TO '{tmp_path / 'leak.csv'}'": "file system operations are disabled",
        f"select * from read_text('{tenant.warehouse.path}')": "file system operations are disabled",
        f"ATTACH '{other_tenant_file}' AS other": "file system operations are disabled",
        f"ATTACH '{tenant.warehouse.path}' AS live (READ_ONLY)": "file system operations are disabled",
        "INSTALL httpfs": "disabled",
        "SET enable_external_access = true": "configuration has been locked",
    }
    with warehouse.reader_connection(tenant) as reader:
        for statement, message in refused.items():
            with pytest.raises(duckdb.Error, match=message):
                reader.execute(statement)
    assert not (tmp_path / "leak.csv").exists(), "COPY TO wrote a file"


def test_an_open_reader_never_blocks_the_pipeline_and_sees_the_next_copy_on_reconnect(tenant: TenantConfig) -> None:
    """While a reader is connected the pipeline writes the live file and republishes; a new reader sees it."""
    warehouse = _published(tenant)
    with warehouse.reader_connection(tenant) as reader:
        with duckdb.connect(tenant.warehouse.path or "") as writer:
            writer.execute("insert into duck_marts.fct_orders values (2)")
        assert warehouse.publish_reader_snapshot(tenant), "republishing failed while a reader was connected"
        old = reader.execute("select count(*) from duck_marts.fct_orders").fetchone()
        assert old == (1,), f"the open reader should keep its consistent copy: {old}"
    with warehouse.reader_connection(tenant) as reader:
        new = reader.execute("select count(*) from duck_marts.fct_orders").fetchone()
        assert new == (2,), f"a new reader should see the republished copy: {new}"


def test_a_reader_before_the_first_publish_is_told_how_to_get_a_copy(tenant: TenantConfig) -> None:
    """No copy yet: a FileNotFoundError naming the dbt_build task, never the live file opened instead."""
    DuckDBWarehouse().provision(tenant, TaskCredentialStore(), force=True)
    with pytest.raises(FileNotFoundError, match="dbt_build"):
        DuckDBWarehouse().reader_connection(tenant)
