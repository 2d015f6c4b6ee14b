"""Redshift provisioning: the tenant's schemas, a transformer group, a read-only reader user.

Redshift speaks PostgreSQL 8.0's dialect with its own object model: users and groups (no `DO` blocks, no
`CREATE ... IF NOT EXISTS` for users or groups), so those statements carry a guard query on the catalog
(`pg_user`, `pg_group`: present in both Redshift and PostgreSQL) and are skipped when it returns a row.
Only statements both Redshift and PostgreSQL accept are used, so the plan is executed on PostgreSQL as
the proxy in the tests (Redshift itself cannot run here).

The tenant's connection (the user dbt runs as) joins the transformer group, which gets every privilege on
the tenant's schemas. The reader gets USAGE on the marts schema and SELECT on its tables, including those
the connection's user creates later (ALTER DEFAULT PRIVILEGES), and nothing else.
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

_NAME_FIX = "Redshift names are <tenant_id>_transformer / <tenant_id>_reader: choose a shorter tenant_id"


def redshift_plan(tenant_id: str, database: str, schemas: tuple[str, ...], marts_schema: str) -> ProvisioningPlan:
    """The plan for one tenant; `schemas` are validated names, `marts_schema` one of them."""
    group = validate_identifier(f"{tenant_id}_transformer", "tenant_id", _NAME_FIX, reserved_prefix="pg_")
    reader = validate_identifier(f"{tenant_id}_reader", "tenant_id", _NAME_FIX, reserved_prefix="pg_")
    statements = [
        Statement(
            sql.SQL("CREATE GROUP {}").format(sql.Identifier(group)),
            "transformer group (all privileges on the tenant's schemas)",
            skip_if_exists=sql.SQL("SELECT 1 FROM pg_group WHERE groname = {}").format(sql.Literal(group)),
        ),
        Statement(
            sql.SQL("ALTER GROUP {} ADD USER {}").format(sql.Identifier(group), CONNECTION_USER),
            "the tenant's connection (dbt, ingestion) joins it",
        ),
        Statement(
            sql.SQL("CREATE USER {} PASSWORD {}").format(sql.Identifier(reader), PASSWORD),
            "read-only reader login (password set only when the user is created)",
            uses_password=True,
            skip_if_exists=sql.SQL("SELECT 1 FROM pg_user WHERE usename = {}").format(sql.Literal(reader)),
        ),
    ]
    statements += [
        Statement(
            sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
            "no user creates tables in schema public by default (Redshift grants it to PUBLIC)",
        ),
        Statement(
            sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)),
            "no temporary tables by default (the reader must not write, not even temp tables)",
        ),
        Statement(
            sql.SQL("GRANT TEMPORARY ON DATABASE {} TO GROUP {}").format(
                sql.Identifier(database), sql.Identifier(group)
            ),
            "",  # the transformer group keeps TEMP (dbt's incremental models create temp tables)
        ),
    ]
    for schema in schemas:
        statements += _group_schema(schema, group)
    statements += _reader_grants(marts_schema, reader)
    return reader_plan(
        tenant_id=tenant_id,
        warehouse_type="redshift",
        database=database,
        schemas=schemas,
        marts_schema=marts_schema,
        statements=statements,
        set_password=sql.SQL("ALTER USER {} PASSWORD {}").format(sql.Identifier(reader), PASSWORD),
        transformer=group,
        reader=reader,
    )


def _group_schema(schema: str, group: str) -> list[Statement]:
    return [
        Statement(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)), f"schema {schema}"),
        Statement(
            sql.SQL("GRANT ALL ON SCHEMA {} TO GROUP {}").format(sql.Identifier(schema), sql.Identifier(group)),
            "",  # the transformer group creates and replaces the schema's tables and views
        ),
    ]


def _reader_grants(marts: str, reader: str) -> list[Statement]:
    schema, reader_user = sql.Identifier(marts), sql.Identifier(reader)
    return [
        Statement(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, reader_user), "reader: the marts schema"),
        Statement(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, reader_user),
            "reader: the marts tables and views that exist now",
        ),
        Statement(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(schema, reader_user),
            "reader: marts tables the tenant's connection creates later (dbt runs as that user)",
        ),
    ]
