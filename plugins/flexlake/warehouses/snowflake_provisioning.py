"""Snowflake provisioning: a warehouse sized by tier, the tenant's schemas, a transformer and a reader.

Names are upper case: dbt-snowflake creates unquoted (hence upper-case) names, and Snowflake's double-quoted
identifiers are case-sensitive, so `"ACME_MARTS"` is the schema dbt writes and `"acme_marts"` would be
another one. Every statement is idempotent (IF NOT EXISTS, GRANT, ALTER ... SET).

Two ways for a customer to read its marts (`warehouse.reader_access`):
- `role` (default): a read-only role and a login user in the provider's account, with SELECT on the marts'
  current and future tables and views (future grants), usage of the tenant's warehouse, and nothing else. The user
  is a SERVICE user signing in with a key pair (Snowflake is retiring password sign-in for service users): when
  `flexlake provision` issues the reader's credentials it generates an RSA key, binds its public half into
  `ALTER USER ... SET RSA_PUBLIC_KEY` (the plan's credential placeholder) and stores the private key, encrypted
  with a generated passphrase, in the reader's Airflow connection (SnowflakeWarehouse.issue_reader_credentials).
- `reader_account`: a Snowflake managed reader account (for a customer without its own Snowflake account)
  that sees the marts through a share. Shares cannot carry future grants, so the grants are statements of
  the plan re-applied by every provisioning run. The reader account's locator is only known once Snowflake
  created it, so adding it to the share (`ALTER SHARE ... ADD ACCOUNTS = <locator>`) is the one manual step,
  printed in the plan's notes.
"""

from psycopg2 import sql

from flexlake.warehouses.provisioning import (
    CONNECTION_USER,
    PASSWORD,
    ProvisioningPlan,
    Statement,
    reader_connection_id,
    validate_identifier,
)
from flexlake.warehouses.sizing import TierSizing

_ROLE_FIX = "Snowflake names are <TENANT_ID>_TRANSFORMER / _READER / _WH: choose a shorter tenant_id"


def snowflake_plan(
    tenant_id: str,
    database: str,
    schemas: tuple[str, ...],
    marts_schema: str,
    *,
    sizing: TierSizing,
    reader_access: str = "role",
    dynamic_tables: bool = False,
) -> ProvisioningPlan:
    """The plan for one tenant; `schemas` are validated lower-case names (upper-cased here). `dynamic_tables`: the
    tenant's revenue marts are dynamic tables, which Snowflake grants as their own object type (a grant on tables
    does not reach them), so the reader (role or share) is granted them too."""
    name = validate_identifier(f"{tenant_id}_transformer", "tenant_id", _ROLE_FIX).upper()
    reader = validate_identifier(f"{tenant_id}_reader", "tenant_id", _ROLE_FIX).upper()
    warehouse = snowflake_warehouse_name(tenant_id)
    db, marts = database.upper(), marts_schema.upper()
    statements = [
        *_warehouse(warehouse, sizing),
        Statement(sql.SQL("CREATE DATABASE IF NOT EXISTS {}").format(sql.Identifier(db)), f"database {db}"),
        *_transformer(name, warehouse, db),
    ]
    for schema in schemas:
        statements += _owned_schema(db, schema.upper(), name)
    notes = [
        f"warehouse {warehouse}: {sizing.snowflake_warehouse_size}, suspends after "
        f"{sizing.snowflake_auto_suspend_seconds} s idle (the tier's size)",
        f"reader access: {reader_access}; the reader can read {db}.{marts} only, and cannot write anywhere",
    ]
    if dynamic_tables:
        notes.append(
            f"revenue marts: dynamic tables in {db}.{marts}, target lag {sizing.snowflake_dynamic_table_target_lag} "
            f"(the tier's), refreshed on {warehouse}"
        )
    if reader_access == "reader_account":
        statements += _reader_share(tenant_id, db, marts)
        if dynamic_tables:
            statements.append(_dynamic_tables_to_share(tenant_id, db, marts))
        credential_statements: tuple[Statement, ...] = ()
        notes.append(
            f"once: ALTER SHARE {tenant_id.upper()}_SHARE ADD ACCOUNTS = <locator of "
            f"{tenant_id.upper()}_READER_ACCOUNT from SHOW MANAGED ACCOUNTS>; then CREATE DATABASE ... FROM SHARE "
            "in the reader account"
        )
    else:
        statements += _reader_role(reader, warehouse, db, marts)
        if dynamic_tables:
            statements += _reader_dynamic_tables(reader, db, marts)
        credential_statements = _reader_key(reader)
    return ProvisioningPlan(
        tenant_id=tenant_id,
        warehouse_type="snowflake",
        schemas=tuple(f"{db}.{schema.upper()}" for schema in schemas),
        statements=tuple(statements),
        credential_statements=credential_statements,
        transformer_role=name,
        reader_role=reader,
        reader_connection_id=reader_connection_id(tenant_id),
        notes=tuple(notes),
    )


def snowflake_warehouse_name(tenant_id: str) -> str:
    """The tenant's own virtual warehouse: its compute is billed, sized and suspended on its own."""
    return validate_identifier(f"{tenant_id}_wh", "tenant_id", _ROLE_FIX).upper()


def _warehouse(warehouse: str, sizing: TierSizing) -> list[Statement]:
    size = sql.SQL(sizing.snowflake_warehouse_size)
    suspend = sql.SQL(str(int(sizing.snowflake_auto_suspend_seconds)))
    options = sql.SQL("WAREHOUSE_SIZE = {} AUTO_SUSPEND = {} AUTO_RESUME = TRUE").format(size, suspend)
    return [
        Statement(
            sql.SQL("CREATE WAREHOUSE IF NOT EXISTS {} WITH {} INITIALLY_SUSPENDED = TRUE").format(
                sql.Identifier(warehouse), options
            ),
            f"the tenant's warehouse, sized by tier ({sizing.snowflake_warehouse_size})",
        ),
        Statement(
            sql.SQL("ALTER WAREHOUSE {} SET {}").format(sql.Identifier(warehouse), options),
            "",  # a tier change resizes an existing warehouse
        ),
    ]


def _transformer(role: str, warehouse: str, database: str) -> list[Statement]:
    role_id = sql.Identifier(role)
    return [
        Statement(sql.SQL("CREATE ROLE IF NOT EXISTS {}").format(role_id), "transformer role (owns the schemas)"),
        Statement(
            sql.SQL("GRANT USAGE ON WAREHOUSE {} TO ROLE {}").format(sql.Identifier(warehouse), role_id),
            "the transformer runs on the tenant's warehouse",
        ),
        Statement(sql.SQL("GRANT USAGE ON DATABASE {} TO ROLE {}").format(sql.Identifier(database), role_id), ""),
        Statement(
            sql.SQL("GRANT ROLE {} TO USER {}").format(role_id, CONNECTION_USER),
            "the tenant's connection (dbt, ingestion) may act as the transformer",
        ),
    ]


def _owned_schema(database: str, schema: str, owner: str) -> list[Statement]:
    qualified = sql.Identifier(database, schema)
    return [
        Statement(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(qualified), f"schema {database}.{schema}"),
        Statement(
            sql.SQL("GRANT ALL PRIVILEGES ON SCHEMA {} TO ROLE {}").format(qualified, sql.Identifier(owner)),
            "",  # the transformer creates and replaces the schema's tables and views
        ),
    ]


def _reader_role(reader: str, warehouse: str, database: str, marts: str) -> list[Statement]:
    role, schema = sql.Identifier(reader), sql.Identifier(database, marts)
    return [
        Statement(sql.SQL("CREATE ROLE IF NOT EXISTS {}").format(role), "read-only reader role"),
        Statement(sql.SQL("GRANT USAGE ON WAREHOUSE {} TO ROLE {}").format(sql.Identifier(warehouse), role), ""),
        Statement(sql.SQL("GRANT USAGE ON DATABASE {} TO ROLE {}").format(sql.Identifier(database), role), ""),
        Statement(sql.SQL("GRANT USAGE ON SCHEMA {} TO ROLE {}").format(schema, role), "reader: the marts schema"),
        Statement(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO ROLE {}").format(schema, role),
            "reader: the marts tables and views that exist now, and those created later",
        ),
        Statement(sql.SQL("GRANT SELECT ON ALL VIEWS IN SCHEMA {} TO ROLE {}").format(schema, role), ""),
        Statement(sql.SQL("GRANT SELECT ON FUTURE TABLES IN SCHEMA {} TO ROLE {}").format(schema, role), ""),
        Statement(sql.SQL("GRANT SELECT ON FUTURE VIEWS IN SCHEMA {} TO ROLE {}").format(schema, role), ""),
        Statement(
            sql.SQL(
                "CREATE USER IF NOT EXISTS {} TYPE = SERVICE DEFAULT_ROLE = {} DEFAULT_WAREHOUSE = {} "
                "DEFAULT_NAMESPACE = {}"
            ).format(role, role, sql.Identifier(warehouse), sql.Literal(f"{database}.{marts}")),
            "reader login: a service user, signing in with the key pair its connection holds",
        ),
        Statement(sql.SQL("GRANT ROLE {} TO USER {}").format(role, role), ""),
    ]


def _reader_dynamic_tables(reader: str, database: str, marts: str) -> list[Statement]:
    role, schema = sql.Identifier(reader), sql.Identifier(database, marts)
    return [
        Statement(
            sql.SQL("GRANT SELECT ON ALL DYNAMIC TABLES IN SCHEMA {} TO ROLE {}").format(schema, role),
            "reader: the marts that are dynamic tables, now and later",
        ),
        Statement(sql.SQL("GRANT SELECT ON FUTURE DYNAMIC TABLES IN SCHEMA {} TO ROLE {}").format(schema, role), ""),
    ]


def _dynamic_tables_to_share(tenant_id: str, database: str, marts: str) -> Statement:
    share = sql.Identifier(f"{tenant_id}_share".upper())
    return Statement(
        sql.SQL("GRANT SELECT ON ALL DYNAMIC TABLES IN SCHEMA {} TO SHARE {}").format(
            sql.Identifier(database, marts), share
        ),
        "the marts that are dynamic tables, granted again by every provisioning run (shares take no future grants)",
    )


def _reader_key(reader: str) -> tuple[Statement, ...]:
    """Run when this provisioning issued the reader's connection: the new key's public half (bound as the plan's
    credential placeholder) replaces any earlier key, and a password left from an older flexlake goes."""
    user = sql.Identifier(reader)
    return (
        Statement(
            sql.SQL("ALTER USER {} SET RSA_PUBLIC_KEY = {}").format(user, PASSWORD),
            "the reader's new public key (its private key is in the reader's connection only)",
            uses_password=True,
        ),
        Statement(sql.SQL("ALTER USER {} UNSET PASSWORD").format(user), ""),
        Statement(sql.SQL("ALTER USER {} SET TYPE = SERVICE").format(user), ""),
    )


def _reader_share(tenant_id: str, database: str, marts: str) -> list[Statement]:
    share = sql.Identifier(f"{tenant_id}_share".upper())
    account = sql.Identifier(f"{tenant_id}_reader_account".upper())
    schema = sql.Identifier(database, marts)
    return [
        Statement(sql.SQL("CREATE SHARE IF NOT EXISTS {}").format(share), "a share of the marts"),
        Statement(sql.SQL("GRANT USAGE ON DATABASE {} TO SHARE {}").format(sql.Identifier(database), share), ""),
        Statement(sql.SQL("GRANT USAGE ON SCHEMA {} TO SHARE {}").format(schema, share), ""),
        Statement(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO SHARE {}").format(schema, share),
            "shares take no future grants: every provisioning run grants the marts' current tables again",
        ),
        Statement(
            sql.SQL("CREATE MANAGED ACCOUNT {} ADMIN_NAME = {}, ADMIN_PASSWORD = {}, TYPE = READER").format(
                account, sql.Literal(f"{tenant_id}_admin".upper()), PASSWORD
            ),
            "the customer's managed reader account (its admin password is the reader connection's)",
            uses_password=True,
            skip_if_exists=sql.SQL("SHOW MANAGED ACCOUNTS LIKE {}").format(
                sql.Literal(f"{tenant_id}_reader_account".upper())
            ),
        ),
    ]
