"""Which tenant owns each schema flexlake created, so that provisioning never takes over another's schema.

Two tenants may share a database, and a schema name is only `<schema_prefix>_<layer>`: a tenant file with
another tenant's prefix (or whose source name makes one tenant's raw schema another's layer) would otherwise
be given the other's schemas, its transformer would own them and its reader would read their marts.

Provisioning records every schema it creates in `flexlake_admin.schema_owners` (schema name -> tenant_id),
and before executing a plan it checks, for each of the plan's schemas:
  - a row naming another tenant: refused, naming both tenants and the fix;
  - no row but the schema exists: refused too (dbt, ingestion or someone else made it; flexlake cannot tell
    whose), unless this tenant was provisioned here before ownership was recorded (its fingerprint row in
    `flexlake_admin.provisioning` exists): an upgraded installation claims its own schemas on the next run.
The check runs in the provisioning's transaction (PostgreSQL: under the advisory lock) and uses only SQL that
PostgreSQL and Redshift both accept.
"""

from typing import Any

from psycopg2 import sql

from flexlake.warehouses.provisioning import BOOKKEEPING_SCHEMA, ProvisioningPlan, render_sql

OWNERS_TABLE = "schema_owners"
_OWNERS = sql.Identifier(BOOKKEEPING_SCHEMA, OWNERS_TABLE)


class SchemaOwnershipError(RuntimeError):
    """Provisioning would take over a schema that is not this tenant's; the message says whose and the fix."""


def check_schema_owners(cursor: Any, plan: ProvisioningPlan, *, provisioned_before: bool) -> None:
    """Raise SchemaOwnershipError when any of the plan's schemas belongs to another tenant or to nobody known."""
    owners = _recorded_owners(cursor, plan.schemas)
    problems = [
        _taken(schema, owner, plan.tenant_id) for schema, owner in sorted(owners.items()) if owner != plan.tenant_id
    ]
    if not provisioned_before:
        unknown = [schema for schema in plan.schemas if schema not in owners]
        problems += [_unowned(schema, plan.tenant_id) for schema in _existing(cursor, unknown)]
    if problems:
        raise SchemaOwnershipError(
            f"tenant {plan.tenant_id} was not provisioned: it would take over schemas that are not its own\n  - "
            + "\n  - ".join(problems)
        )


def record_schema_owners(cursor: Any, plan: ProvisioningPlan) -> None:
    """Record the tenant as owner of each of its schemas (after its plan ran; existing rows are kept)."""
    if not _returns_a_row(cursor, _SCHEMA_EXISTS.format(sql.Literal(BOOKKEEPING_SCHEMA))):
        cursor.execute(render_sql(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(BOOKKEEPING_SCHEMA))))
    if not _owners_table_exists(cursor):
        cursor.execute(
            render_sql(
                sql.SQL("CREATE TABLE {} (schema_name varchar(128) NOT NULL, tenant_id varchar(64) NOT NULL)").format(
                    _OWNERS
                )
            )
        )
    for schema in plan.schemas:
        insert = sql.SQL(
            "INSERT INTO {table} (schema_name, tenant_id) SELECT {schema}, {tenant} "
            "WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE schema_name = {schema})"
        ).format(table=_OWNERS, schema=sql.Literal(schema), tenant=sql.Literal(plan.tenant_id))
        cursor.execute(render_sql(insert))


def _taken(schema: str, owner: str, tenant_id: str) -> str:
    return (
        f"schema {schema} belongs to tenant {owner}, not to {tenant_id}. Fix: give {tenant_id} its own "
        f"warehouse.schema_prefix (or source names) in its tenant file, or another database"
    )


def _unowned(schema: str, tenant_id: str) -> str:
    return (
        f"schema {schema} already exists and no flexlake tenant owns it. Fix: choose another "
        f"warehouse.schema_prefix for {tenant_id}; or drop the schema if it is left over; or, if it is "
        f"{tenant_id}'s, record it: INSERT INTO {BOOKKEEPING_SCHEMA}.{OWNERS_TABLE} (schema_name, tenant_id) "
        f"VALUES ('{schema}', '{tenant_id}')"
    )


def _recorded_owners(cursor: Any, schemas: tuple[str, ...]) -> dict[str, str]:
    if not schemas or not _owners_table_exists(cursor):
        return {}
    query = sql.SQL("SELECT schema_name, tenant_id FROM {} WHERE schema_name IN ({})").format(
        _OWNERS, sql.SQL(", ").join(sql.Literal(schema) for schema in schemas)
    )
    cursor.execute(render_sql(query))
    return {str(schema): str(tenant) for schema, tenant in cursor.fetchall()}


def _existing(cursor: Any, schemas: list[str]) -> list[str]:
    """Of these schemas, those that exist (pg_namespace: every schema, also those the login cannot use)."""
    if not schemas:
        return []
    query = sql.SQL("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname IN ({}) ORDER BY 1").format(
        sql.SQL(", ").join(sql.Literal(schema) for schema in schemas)
    )
    cursor.execute(render_sql(query))
    return [str(row[0]) for row in cursor.fetchall()]


def _owners_table_exists(cursor: Any) -> bool:
    return _returns_a_row(
        cursor,
        _TABLE_EXISTS.format(sql.Literal(BOOKKEEPING_SCHEMA), sql.Literal(OWNERS_TABLE)),
    )


def _returns_a_row(cursor: Any, query: sql.Composed) -> bool:
    cursor.execute(render_sql(query))
    return cursor.fetchone() is not None


_SCHEMA_EXISTS = sql.SQL("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {}")
_TABLE_EXISTS = sql.SQL(
    "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = {} AND c.relname = {}"
)
