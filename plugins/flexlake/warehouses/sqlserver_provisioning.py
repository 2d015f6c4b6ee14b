"""SQL Server provisioning: the tenant's schemas owned by a transformer role, a read-only reader login.

T-SQL has no `CREATE ... IF NOT EXISTS` and `CREATE SCHEMA` must be alone in its batch, so objects are
created through guard queries on the catalog views (sys.schemas, sys.database_principals,
sys.server_principals; skipped when a row comes back) rather than `IF ... EXEC(...)` strings. Identifiers
are double-quoted, which SQL Server reads as identifiers with QUOTED_IDENTIFIER ON (the ODBC default).

The reader is a SQL login (server level) mapped to a database user whose default schema is the marts,
with SELECT on the marts schema: a schema-level grant covers tables created later, and the user gets no
other permission (it is not in db_datareader).
"""

from psycopg2 import sql

from flexlake.warehouses.provisioning import (
    CONNECTION_USER,
    PASSWORD,
    ProvisioningPlan,
    Statement,
    reader_plan,
    validate_identifier,
)

_NAME_FIX = "SQL Server names are <tenant_id>_transformer / <tenant_id>_reader: choose a shorter tenant_id"


def sqlserver_plan(tenant_id: str, database: str, schemas: tuple[str, ...], marts_schema: str) -> ProvisioningPlan:
    """The plan for one tenant, executed in the tenant's database; `schemas` are validated names."""
    role = validate_identifier(f"{tenant_id}_transformer", "tenant_id", _NAME_FIX)
    reader = validate_identifier(f"{tenant_id}_reader", "tenant_id", _NAME_FIX)
    statements = [
        Statement(
            sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)),
            "transformer role (owns the tenant's schemas)",
            skip_if_exists=_principal_exists("database", role),
        ),
        Statement(
            sql.SQL("ALTER ROLE {} ADD MEMBER {}").format(sql.Identifier(role), CONNECTION_USER),
            "the tenant's connection (dbt, ingestion) acts as the transformer",
        ),
        Statement(sql.SQL("GRANT CREATE TABLE, CREATE VIEW TO {}").format(sql.Identifier(role)), ""),
    ]
    for schema in schemas:
        statements += _owned_schema(schema, role)
    statements += _reader(reader, database, marts_schema)
    return reader_plan(
        tenant_id=tenant_id,
        warehouse_type="sqlserver",
        database=database,
        schemas=schemas,
        marts_schema=marts_schema,
        statements=statements,
        set_password=sql.SQL("ALTER LOGIN {} WITH PASSWORD = {}").format(sql.Identifier(reader), PASSWORD),
        transformer=role,
        reader=reader,
    )


def _principal_exists(level: str, name: str) -> sql.Composed:
    view = sql.SQL("sys.server_principals" if level == "server" else "sys.database_principals")
    return sql.SQL("SELECT 1 FROM {} WHERE name = {}").format(view, sql.Literal(name))


def _owned_schema(schema: str, owner: str) -> list[Statement]:
    return [
        Statement(
            sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema), sql.Identifier(owner)),
            f"schema {schema}, owned by the transformer",
            skip_if_exists=sql.SQL("SELECT 1 FROM sys.schemas WHERE name = {}").format(sql.Literal(schema)),
        ),
        Statement(
            sql.SQL("ALTER AUTHORIZATION ON SCHEMA::{} TO {}").format(sql.Identifier(schema), sql.Identifier(owner)),
            "",  # takes over a schema dbt or ingestion created before
        ),
    ]


def _reader(reader: str, database: str, marts: str) -> list[Statement]:
    user = sql.Identifier(reader)
    return [
        Statement(
            sql.SQL("CREATE LOGIN {} WITH PASSWORD = {}, DEFAULT_DATABASE = {}, CHECK_POLICY = ON").format(
                user, PASSWORD, sql.Identifier(database)
            ),
            "read-only reader login (password set only when the login is created)",
            uses_password=True,
            skip_if_exists=_principal_exists("server", reader),
        ),
        Statement(
            sql.SQL("CREATE USER {} FOR LOGIN {} WITH DEFAULT_SCHEMA = {}").format(user, user, sql.Identifier(marts)),
            "the reader's user in the tenant's database",
            skip_if_exists=_principal_exists("database", reader),
        ),
        Statement(
            sql.SQL("GRANT SELECT ON SCHEMA::{} TO {}").format(sql.Identifier(marts), user),
            "reader: every table and view of the marts schema, now and later",
        ),
    ]
