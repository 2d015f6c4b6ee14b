"""Snowflake, Redshift and SQL Server without a server: plans, tier sizing, dbt profiles, Airbyte destinations.

Snowflake's provisioning is also executed on fakesnow and Redshift's on PostgreSQL (integration tests);
SQL Server's plan is only checked here: statement by statement, and through the T-SQL linter.
"""

import json
import re
from typing import Any

import pytest
from flexlake.ingestion.airbyte_api.connectors import destination_configuration
from flexlake.raw_destination import ServerDestination
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.dbapi_warehouse import airflow_connection
from flexlake.warehouses.provisioning import MASK, ProvisioningPlan, render_sql
from flexlake.warehouses.reader_credentials import generate_password
from flexlake.warehouses.sizing import TIER_SIZING
from psycopg2 import sql

CONNECTIONS = {
    "snowflake": "snowflake://svc:s3cret-pw@/?account=xy12345&warehouse=LOADING&role=SYSADMIN",
    "redshift": "redshift://svc:s3cret-pw@cluster.example.com:5439/analytics",
    "sqlserver": "generic://svc:s3cret-pw@mssql.example.com:1433",
}


def _tenant(warehouse_type: str, tier: str = "starter", **warehouse: Any) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": tier,
            "warehouse": {"type": warehouse_type, "connection_id": "acme_dw", "database": "analytics", **warehouse},
            "sources": [{"name": "shop", "system": "faker", "engine": "airbyte"}],
            "airbyte": {"connection_id": "airbyte_cloud"},
        }
    )


def _plan(warehouse_type: str, tier: str = "starter", **warehouse: Any) -> ProvisioningPlan:
    tenant = _tenant(warehouse_type, tier, **warehouse)
    return get_warehouse(warehouse_type).provisioning_plan(tenant)


def _texts(plan: ProvisioningPlan) -> list[str]:
    return [render_sql(statement.query) for statement in (*plan.statements, *plan.credential_statements)]


@pytest.mark.parametrize(("tier", "size", "suspend"), [("starter", "XSMALL", 60), ("enterprise", "XLARGE", 300)])
def test_the_snowflake_warehouse_is_sized_by_tier_and_suspends_itself(tier: str, size: str, suspend: int) -> None:
    """The tenant's own warehouse: created suspended, resized on a tier change, auto-suspend and auto-resume."""
    texts = _texts(_plan("snowflake", tier))
    options = f"WAREHOUSE_SIZE = {size} AUTO_SUSPEND = {suspend} AUTO_RESUME = TRUE"
    assert f'CREATE WAREHOUSE IF NOT EXISTS "ACME_WH" WITH {options} INITIALLY_SUSPENDED = TRUE' in texts, texts
    assert f'ALTER WAREHOUSE "ACME_WH" SET {options}' in texts, texts


def test_a_tier_change_changes_the_snowflake_fingerprint() -> None:
    """Moving a tenant to another tier re-provisions it (the warehouse is resized), where nothing else would."""
    assert _plan("snowflake", "starter").fingerprint != _plan("snowflake", "professional").fingerprint


def test_snowflake_names_are_upper_case_as_dbt_snowflake_creates_them() -> None:
    """Quoted identifiers are case-sensitive in Snowflake: the plan must name the schemas dbt writes."""
    plan = _plan("snowflake")
    texts = _texts(plan)
    assert 'CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."ACME_MARTS"' in texts, texts
    assert 'GRANT SELECT ON FUTURE TABLES IN SCHEMA "ANALYTICS"."ACME_MARTS" TO ROLE "ACME_READER"' in texts, texts
    assert not [text for text in texts if '"acme' in text or '"analytics"' in text], texts


def test_the_snowflake_reader_role_reads_the_marts_only() -> None:
    """Every schema-level grant to the reader names the marts schema; the transformer gets the others."""
    texts = _texts(_plan("snowflake"))
    reader_grants = [text for text in texts if text.startswith("GRANT") and 'ROLE "ACME_READER"' in text]
    schema_grants = [text for text in reader_grants if "SCHEMA" in text]
    assert len(schema_grants) == 5 and all('"ACME_MARTS"' in text for text in schema_grants), reader_grants
    assert 'GRANT ROLE "ACME_TRANSFORMER" TO USER <connection user>' in texts, texts


def test_the_snowflake_reader_account_option_shares_the_marts_instead_of_a_user() -> None:
    """reader_access: reader_account: a share of the marts and a managed reader account (guarded), no user."""
    plan = _plan("snowflake", reader_access="reader_account")
    texts = _texts(plan)
    assert 'CREATE SHARE IF NOT EXISTS "ACME_SHARE"' in texts, texts
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "ANALYTICS"."ACME_MARTS" TO SHARE "ACME_SHARE"' in texts, texts
    managed = [s for s in plan.statements if "MANAGED ACCOUNT" in render_sql(s.query)]
    assert len(managed) == 1 and managed[0].uses_password and managed[0].skip_if_exists is not None, managed
    assert not [text for text in texts if "CREATE USER" in text], texts
    assert any("ALTER SHARE" in note for note in plan.notes), plan.notes


@pytest.mark.parametrize(
    ("tier", "lag"), [("starter", "1 day"), ("professional", "1 hour"), ("enterprise", "1 minute")]
)
def test_revenue_marts_as_dynamic_tables_give_dbt_the_tiers_target_lag(tier: str, lag: str) -> None:
    """warehouse.revenue_marts: dynamic_table becomes the vars macros/dynamic_tables.sql reads; the default adds none
    (every other tenant's marts stay incremental, and their dbt vars unchanged)."""
    dynamic = get_warehouse("snowflake").dbt_vars(_tenant("snowflake", tier, revenue_marts="dynamic_table"))
    assert dynamic["flexlake_revenue_marts"] == "dynamic_table"
    assert dynamic["flexlake_dynamic_table_target_lag"] == lag == TIER_SIZING[tier].snowflake_dynamic_table_target_lag
    default = get_warehouse("snowflake").dbt_vars(_tenant("snowflake", tier))
    assert not {"flexlake_revenue_marts", "flexlake_dynamic_table_target_lag"} & set(default), default


@pytest.mark.parametrize("reader_access", ["role", "reader_account"])
def test_dynamic_revenue_marts_are_granted_to_the_reader_as_their_own_object_type(reader_access: str) -> None:
    """Snowflake grants dynamic tables as DYNAMIC TABLES (a grant on tables does not reach them): the reader role gets
    the current and future ones, a share the current ones (shares take no future grants); only when chosen."""
    schema = '"ANALYTICS"."ACME_MARTS"'
    texts = _texts(_plan("snowflake", "enterprise", reader_access=reader_access, revenue_marts="dynamic_table"))
    dynamic_grants = sorted(text for text in texts if "DYNAMIC TABLES" in text)
    if reader_access == "role":
        assert dynamic_grants == [
            f'GRANT SELECT ON ALL DYNAMIC TABLES IN SCHEMA {schema} TO ROLE "ACME_READER"',
            f'GRANT SELECT ON FUTURE DYNAMIC TABLES IN SCHEMA {schema} TO ROLE "ACME_READER"',
        ], texts
    else:
        assert dynamic_grants == [f'GRANT SELECT ON ALL DYNAMIC TABLES IN SCHEMA {schema} TO SHARE "ACME_SHARE"'], texts
    assert not [text for text in _texts(_plan("snowflake", reader_access=reader_access)) if "DYNAMIC" in text]


def test_revenue_marts_as_dynamic_tables_are_snowflakes_only() -> None:
    """On another warehouse the key is refused when the file is validated, naming it (dbt would fail much later)."""
    with pytest.raises(ValueError, match="revenue_marts"):
        _tenant("postgres", revenue_marts="dynamic_table")


@pytest.mark.parametrize("warehouse_type", ["snowflake", "redshift", "sqlserver"])
def test_the_dry_run_masks_the_password_and_shows_the_guards(warehouse_type: str) -> None:
    """The password is a placeholder until execution; guard queries are part of what --dry-run prints."""
    plan = _plan(warehouse_type)
    text = plan.describe()
    assert MASK in text and "s3cret" not in text, text
    guarded = [statement for statement in plan.statements if statement.skip_if_exists is not None]
    if warehouse_type != "snowflake":  # Snowflake has IF NOT EXISTS for everything of the role path
        assert guarded and all("-- unless SELECT 1 FROM" in text for _ in guarded), text


def test_the_connection_user_is_bound_only_at_execution() -> None:
    """A plan is built without I/O: the login the tenant's connection uses is quoted in only when executed."""
    plan = _plan("redshift")
    statement = next(s for s in plan.statements if "ALTER GROUP" in render_sql(s.query))
    assert render_sql(statement.query) == 'ALTER GROUP "acme_transformer" ADD USER <connection user>'
    bound = render_sql(statement.query, connection_user='svc"x')
    assert bound == 'ALTER GROUP "acme_transformer" ADD USER "svc""x"', bound


def test_sqlserver_objects_without_if_not_exists_are_guarded_by_catalog_queries() -> None:
    """T-SQL has no CREATE ... IF NOT EXISTS: every CREATE carries a guard on the right catalog view."""
    plan = _plan("sqlserver")
    for statement in plan.statements:
        text = render_sql(statement.query)
        if text.startswith("CREATE"):
            assert statement.skip_if_exists is not None, text
            guard = render_sql(statement.skip_if_exists)
            view = {
                "ROLE": "database_principals",
                "SCHEMA": "schemas",
                "LOGIN": "server_principals",
                "USER": "database_principals",
            }
            expected = next(name for word, name in view.items() if text.startswith(f"CREATE {word}"))
            assert f"sys.{expected}" in guard, (text, guard)
    assert 'GRANT SELECT ON SCHEMA::"acme_marts" TO "acme_reader"' in _texts(plan)


@pytest.mark.parametrize("warehouse_type", ["snowflake", "redshift", "sqlserver"])
@pytest.mark.parametrize("tier", ["starter", "enterprise"])
def test_the_dbt_profile_comes_from_cosmos_with_the_tenant_database_and_tier_threads(
    warehouse_type: str, tier: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cosmos's own mapping reads the tenant's connection; the password stays an environment variable."""
    monkeypatch.setenv("AIRFLOW_CONN_ACME_DW", CONNECTIONS[warehouse_type])
    profile = get_warehouse(warehouse_type).profile_config(_tenant(warehouse_type, tier)).profile_mapping
    assert profile is not None
    values = profile.profile
    assert values["type"] == warehouse_type, values
    assert values["threads"] == TIER_SIZING[tier].threads, values  # type: ignore[index]
    assert values["schema"] == "acme", values
    assert "s3cret" not in json.dumps(values), values
    expected = {
        "snowflake": {
            "database": "ANALYTICS",
            "warehouse": "ACME_WH",
            "role": "ACME_TRANSFORMER",
            "account": "xy12345",
        },
        "redshift": {"dbname": "analytics", "host": "cluster.example.com", "port": 5439},
        "sqlserver": {
            "database": "analytics",
            "driver": "ODBC Driver 18 for SQL Server",
            "server": "mssql.example.com",
        },
    }[warehouse_type]
    assert {key: values.get(key) for key in expected} == expected, values


@pytest.mark.parametrize(
    ("warehouse_type", "destination_type"),
    [("snowflake", "snowflake"), ("redshift", "redshift"), ("sqlserver", "mssql")],
)
def test_an_airbyte_server_gets_a_typed_destination_for_each_warehouse(
    warehouse_type: str, destination_type: str
) -> None:
    """The SDK's own models (their validation is the contract); the raw schema and credentials pass through."""
    destination = ServerDestination(
        warehouse_type=warehouse_type,
        host="db.example.com",
        port=None,
        user="svc",
        password="pw",
        database="ANALYTICS" if warehouse_type == "snowflake" else "analytics",
        schema="acme_raw_shop",
        account="xy12345",
        warehouse="ACME_WH",
        role="ACME_TRANSFORMER",
    )
    configuration = destination_configuration(destination).model_dump(by_alias=True, mode="json")
    assert configuration["destinationType"] == destination_type, configuration
    assert configuration["schema"] == "acme_raw_shop", configuration
    if warehouse_type == "snowflake":
        assert configuration["host"] == "xy12345.snowflakecomputing.com", configuration
        assert (configuration["warehouse"], configuration["role"]) == ("ACME_WH", "ACME_TRANSFORMER"), configuration


@pytest.mark.parametrize(
    ("warehouse_type", "options"),
    [("snowflake", {}), ("snowflake", {"reader_access": "reader_account"}), ("redshift", {}), ("sqlserver", {})],
)
def test_plans_hold_tenant_text_only_as_identifiers_or_literals(warehouse_type: str, options: dict[str, str]) -> None:
    """As for PostgreSQL: no SQL fragment of a plan contains the tenant's names (all Identifier / Literal)."""
    plan = _plan(warehouse_type, **options)
    for statement in (*plan.statements, *plan.credential_statements):
        for part in _parts(statement.query):
            text = str(part.string).lower() if isinstance(part, sql.SQL) else ""
            assert "acme" not in text and "analytics" not in text, text


def _parts(composable: sql.Composable) -> list[sql.Composable]:
    if isinstance(composable, sql.Composed):
        return [part for child in composable.seq for part in _parts(child)]
    return [composable]


def test_generated_passwords_meet_every_warehouse_password_policy() -> None:
    """Redshift and Snowflake reject a password without an upper-case letter, a lower-case letter and a digit;
    nothing in it may need quoting (URL-safe alphabet)."""
    for _ in range(2000):
        password = generate_password()
        assert len(password) >= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", password), password
        assert re.search("[A-Z]", password) and re.search("[a-z]", password) and re.search("[0-9]", password), password


def test_sql_server_connects_through_odbchook_with_the_tenants_driver_and_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The odbc provider's hook builds the ODBC connection string from the tenant's connection (extras included)
    and the tenant file's driver and database; the port goes into SERVER as Microsoft's driver reads it. No SQL
    Server runs here, so what reaches pyodbc.connect is asserted."""
    from airflow.providers.odbc.hooks import odbc  # noqa: PLC0415 - the provider's module, patched at its connect

    monkeypatch.setenv("AIRFLOW_CONN_ACME_DW", "generic://svc:s3cret-pw@mssql.example.com:14330?Encrypt=yes")
    given: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(odbc, "connect", lambda text, **kwargs: given.append((text, kwargs)) or "pyodbc connection")
    tenant = _tenant("sqlserver", odbc_driver="ODBC Driver 17 for SQL Server")
    warehouse = get_warehouse("sqlserver")
    assert warehouse.connect(tenant, airflow_connection("acme_dw")) == "pyodbc connection"
    ((text, kwargs),) = given
    parts = dict(part.split("=", 1) for part in text.rstrip(";").split(";"))
    assert parts == {
        "DRIVER": "{ODBC Driver 17 for SQL Server}",
        "SERVER": "mssql.example.com,14330",
        "DATABASE": "analytics",
        "UID": "svc",
        "PWD": "s3cret-pw",
        "Encrypt": "yes",
    }, parts
    assert kwargs == {"autocommit": True}, kwargs
