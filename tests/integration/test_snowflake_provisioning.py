"""Snowflake provisioning on fakesnow, as far as fakesnow goes; the rest is statement-tested.

fakesnow (Snowflake's HTTP API on DuckDB, SQL translated by sqlglot) stands in for Snowflake, which cannot
run here. It executes databases, schemas and tables — so the plan's database and schemas, the bookkeeping
table and the fingerprint that skips an unchanged plan run for real, through the product's executor and
the real Snowflake connector — but has no warehouses, roles, grants, users, shares or managed accounts.
Those statements are listed explicitly below and the test checks that fakesnow still rejects each of them
(if fakesnow learns one, the list must move); their text is checked in
tests/unit/warehouses/test_server_warehouses.py. What this cannot prove: Snowflake's privilege model (that
the reader role reads the marts and nothing else) — that needs a Snowflake account.
"""

import base64
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flexlake.portal.console import ConsoleLimits, StatementFailed, run_statement
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.dbapi_warehouse import bookkeeping_statements, execute_statements, recorded_fingerprint
from flexlake.warehouses.provisioning import ProvisioningPlan, Statement, render_sql

from tests.integration.conftest import FakesnowServer

pytestmark = pytest.mark.integration

DATABASE = "snowprov"
# What fakesnow 0.12 cannot execute (Snowflake access control and compute), by statement prefix.
FAKESNOW_LACKS = (
    "CREATE WAREHOUSE",
    "ALTER WAREHOUSE",
    "CREATE ROLE",
    "GRANT",
    "CREATE USER",
    "ALTER USER",
    "CREATE SHARE",
    "CREATE MANAGED ACCOUNT",
)


def _tenant(reader_access: str = "role") -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "snowprov",
            "display_name": "Snowflake tenant",
            "tier": "professional",
            "warehouse": {
                "type": "snowflake",
                "connection_id": "sf_admin",
                "database": DATABASE,
                "reader_access": reader_access,
            },
            "sources": [{"name": "shop", "system": "faker", "engine": "airbyte"}],
            "airbyte": {"connection_id": "airbyte_unused"},
        }
    )


@pytest.fixture
def cursor(fakesnow_server: FakesnowServer) -> Iterator[Any]:
    connection = snowflake.connector.connect(
        **{**fakesnow_server.connection_kwargs, "database": DATABASE.upper()}, autocommit=True
    )
    try:
        yield connection.cursor()
    finally:
        connection.close()


def _supported(plan: ProvisioningPlan) -> tuple[list[Statement], list[Statement]]:
    statements = [*plan.statements, *plan.credential_statements]
    lacking = [s for s in statements if render_sql(s.query).startswith(FAKESNOW_LACKS)]
    return [s for s in statements if s not in lacking], lacking


@pytest.mark.parametrize("reader_access", ["role", "reader_account"])
def test_fakesnow_executes_the_database_schemas_and_bookkeeping_of_the_plan(cursor: Any, reader_access: str) -> None:
    """The supported statements run through the product's executor; the schemas exist under the upper-case
    names dbt-snowflake writes to (an unquoted name resolves to them), and the fingerprint is recorded."""
    plan = get_warehouse("snowflake").provisioning_plan(_tenant(reader_access))
    supported, _ = _supported(plan)
    executed = execute_statements(cursor, supported, password="Unused1pw", connection_user="FLEXLAKE")
    execute_statements(cursor, bookkeeping_statements(plan), password=None, connection_user=None)
    assert executed == len(supported) == 1 + len(plan.schemas), [render_sql(s.query) for s in supported]
    cursor.execute("select schema_name from information_schema.schemata where schema_name like 'SNOWPROV_%'")
    assert {f"{DATABASE.upper()}.{name}" for (name,) in cursor.fetchall()} == set(plan.schemas)
    cursor.execute("create or replace table snowprov_marts.mart_probe as select 1 as figure")  # as dbt would
    cursor.execute('select figure from "SNOWPROV"."SNOWPROV_MARTS"."MART_PROBE"')
    assert cursor.fetchall() == [(1,)]
    assert recorded_fingerprint(cursor, plan.tenant_id) == plan.fingerprint


def test_an_unchanged_plan_is_recognised_and_a_tier_change_is_not(cursor: Any) -> None:
    """What makes the DAG's provision task cheap: the recorded fingerprint equals the plan's until the plan
    changes (here: the tier, which resizes the tenant's warehouse)."""
    plan = get_warehouse("snowflake").provisioning_plan(_tenant())
    execute_statements(cursor, bookkeeping_statements(plan), password=None, connection_user=None)
    assert recorded_fingerprint(cursor, plan.tenant_id) == plan.fingerprint
    bigger = TenantConfig.model_validate({**_tenant().model_dump(mode="json"), "tier": "enterprise"})
    assert get_warehouse("snowflake").provisioning_plan(bigger).fingerprint != recorded_fingerprint(
        cursor, plan.tenant_id
    )


@pytest.mark.parametrize("reader_access", ["role", "reader_account"])
def test_fakesnow_still_lacks_what_is_only_statement_tested(cursor: Any, reader_access: str) -> None:
    """Every statement left out above is one fakesnow rejects (so nothing is left out that it could run)."""
    _, lacking = _supported(get_warehouse("snowflake").provisioning_plan(_tenant(reader_access)))
    assert lacking, "the plan has access-control statements"
    for statement in lacking:
        with pytest.raises(snowflake.connector.errors.Error):
            cursor.execute(render_sql(statement.query, password="Unused1pw", connection_user="FLEXLAKE"))


@pytest.mark.parametrize("passphrase", [None, "pass-phrase-9"])
def test_the_warehouse_signs_in_through_snowflakehook_with_the_connections_private_key(
    fakesnow_server: FakesnowServer, cursor: Any, monkeypatch: pytest.MonkeyPatch, passphrase: str | None
) -> None:
    """SnowflakeWarehouse.connect opens the tenant's connection with the provider's hook: the private key (base64
    in `private_key_content`, encrypted when the connection has a password) reaches snowflake.connector.connect
    as key bytes, with no password, the connection's account and role and the tenant's database, in autocommit.
    fakesnow accepts any sign-in, so what the driver is given is asserted; the query then runs on fakesnow. The
    patch adds only what reaching fakesnow needs (its host, port and plain HTTP)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    extra = {"account": "xy12345", "role": "SYSADMIN", "private_key_content": base64.b64encode(pem).decode()}
    connection = {"conn_type": "snowflake", "login": "SVC_SNOWPROV", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_SF_ADMIN", json.dumps({**connection, "password": passphrase or ""}))
    cursor.execute("CREATE SCHEMA IF NOT EXISTS SNOWPROV_RAW_SHOP")
    cursor.execute("CREATE OR REPLACE TABLE SNOWPROV_RAW_SHOP.USERS AS SELECT 1 AS ID UNION ALL SELECT 2")
    given: list[dict[str, Any]] = []
    real_connect = snowflake.connector.connect

    def to_fakesnow(**kwargs: Any) -> Any:
        given.append(kwargs)
        return real_connect(**kwargs, host=fakesnow_server.host, port=fakesnow_server.port, protocol="http")

    monkeypatch.setattr(snowflake.connector, "connect", to_fakesnow)
    assert get_warehouse("snowflake").table_row_counts(_tenant(), "SNOWPROV_RAW_SHOP") == {"users": 2}
    (kwargs,) = given
    expected_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert kwargs["private_key"] == expected_der
    assert "password" not in kwargs, sorted(kwargs)
    assert (kwargs["user"], kwargs["account"], kwargs["role"], kwargs["database"]) == (
        "SVC_SNOWPROV",
        "xy12345",
        "SYSADMIN",
        DATABASE.upper(),
    )


def test_the_sql_console_reads_the_marts_as_the_key_pair_reader_through_snowflakehook(
    fakesnow_server: FakesnowServer, cursor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console's Snowflake path (issue 15) with the reader connection provisioning stores: SnowflakeHook signs
    in as the reader user and role with the issued private key (decrypted with the stored passphrase; its public half
    is what the plan's ALTER USER ... SET RSA_PUBLIC_KEY binds), no password, Snowflake's statement timeout and the
    console's query tag as session parameters, the marts schema; the query runs on fakesnow and is cut at the row
    limit. fakesnow has no roles or grants: that the reader cannot write or read other schemas needs an account."""
    tenant = TenantConfig.model_validate({**_tenant().model_dump(mode="json"), "tier": "enterprise"})
    warehouse = get_warehouse("snowflake")
    plan = warehouse.provisioning_plan(tenant)
    issued = warehouse.issue_reader_credentials(tenant, "Generated-pass-phrase-1")
    stored = warehouse.reader_connection(tenant, SimpleNamespace(extra_dejson={"account": "xy12345"}), plan, issued)
    fields = {"login": stored.login, "password": stored.password, "schema": stored.schema}
    connection = {"conn_type": "snowflake", **fields, "extra": json.loads(stored.extra)}
    monkeypatch.setenv(f"AIRFLOW_CONN_{stored.conn_id.upper()}", json.dumps(connection))
    cursor.execute("CREATE SCHEMA IF NOT EXISTS SNOWPROV_MARTS")
    cursor.execute("CREATE OR REPLACE TABLE SNOWPROV_MARTS.DIM_CUSTOMERS (ID INT)")
    cursor.execute("INSERT INTO SNOWPROV_MARTS.DIM_CUSTOMERS VALUES (0), (1), (2), (3), (4)")
    given: list[dict[str, Any]] = []
    real_connect = snowflake.connector.connect

    def to_fakesnow(**kwargs: Any) -> Any:
        given.append(kwargs)
        return real_connect(**kwargs, host=fakesnow_server.host, port=fakesnow_server.port, protocol="http")

    monkeypatch.setattr(snowflake.connector, "connect", to_fakesnow)
    result = run_statement(
        tenant, "select id from dim_customers order by id", ConsoleLimits(timeout_seconds=5, max_rows=3)
    )
    assert (result.columns, result.rows, result.truncated) == (("ID",), ((0,), (1,), (2,)), True)
    (kwargs,) = given
    key = serialization.load_pem_private_key(
        base64.b64decode(issued.extra["private_key_content"]), password=b"Generated-pass-phrase-1"
    )
    assert kwargs["private_key"] == key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert base64.b64decode(issued.bound) == public, "the key the SQL sets is the stored key's public half"
    assert "password" not in kwargs, sorted(kwargs)
    assert (kwargs["user"], kwargs["role"], kwargs["warehouse"], kwargs["database"], kwargs["schema"]) == (
        "SNOWPROV_READER",
        "SNOWPROV_READER",
        "SNOWPROV_WH",
        "SNOWPROV",
        "SNOWPROV_MARTS",
    )
    session = kwargs["session_parameters"]  # the connector adds its own defaults to the dict
    assert (session["STATEMENT_TIMEOUT_IN_SECONDS"], session["QUERY_TAG"]) == (5, "flexlake-sql-console"), session
    with pytest.raises(StatementFailed, match=r"(?i)does not exist"):
        run_statement(tenant, "select * from no_such_mart", ConsoleLimits(timeout_seconds=5, max_rows=3))
