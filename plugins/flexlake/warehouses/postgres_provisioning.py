"""PostgreSQL provisioning: the tenant's schemas, a transformer role owning them, a read-only reader login.

Roles are cluster-wide in PostgreSQL, so they are named after the tenant_id (unique across tenants), not
the schema prefix (two tenants could share one in different databases). The transformer is a NOLOGIN
role: the tenant's own connection (the one dbt and ingestion log in with) is made a member, so it acts
with the transformer's rights. The reader gets CONNECT, USAGE on the marts schema and SELECT on its
tables, including future ones (default privileges for both the transformer and the connection's own
role, since dbt may create tables as either) — and nothing else: a new role has no other privilege, and
PUBLIC's defaults (CREATE on schema public before PostgreSQL 15, TEMP on the database) are revoked. Before
anything runs, schema_ownership.py refuses a plan that would take over another tenant's schema.

Every statement is idempotent (IF NOT EXISTS, DO blocks checking pg_roles, GRANT), and the whole plan
runs in one transaction under an advisory lock, so concurrent runs for tenants of one database serialize
and a failure leaves nothing half-done.
"""

import logging
from typing import Any

from psycopg2 import extensions, sql

from flexlake.warehouses.provisioning import (
    BOOKKEEPING_SCHEMA,
    BOOKKEEPING_TABLE,
    PASSWORD,
    PASSWORD_PARAMETER,
    ProvisioningPlan,
    Statement,
    reader_plan,
    validate_identifier,
)
from flexlake.warehouses.schema_ownership import check_schema_owners, record_schema_owners

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key shared by every flexlake provisioning run (the text is arbitrary but fixed).
_LOCK_KEY = "flexlake_provisioning"
_ROLE_FIX = "roles are named <tenant_id>_transformer / <tenant_id>_reader: choose a shorter tenant_id"


def postgres_plan(tenant_id: str, database: str, schemas: tuple[str, ...], marts_schema: str) -> ProvisioningPlan:
    """The plan for one tenant; `schemas` are already validated names, `marts_schema` one of them."""
    transformer = validate_identifier(f"{tenant_id}_transformer", "tenant_id", _ROLE_FIX, reserved_prefix="pg_")
    reader = validate_identifier(f"{tenant_id}_reader", "tenant_id", _ROLE_FIX, reserved_prefix="pg_")
    statements = [
        _create_role_if_missing(transformer, sql.SQL("NOLOGIN"), "transformer role (owns the schemas)"),
        Statement(
            sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(transformer)),
            "the tenant's connection (dbt, ingestion) acts as the transformer",
        ),
        _create_role_if_missing(
            reader,
            sql.SQL("LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS PASSWORD {}").format(
                PASSWORD
            ),
            "read-only reader login (password set only when the role is created)",
            uses_password=True,
        ),
        Statement(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), sql.Identifier(reader)),
            "the reader may connect to the tenant's database",
        ),
        Statement(
            sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path TO {}").format(
                sql.Identifier(reader), sql.Identifier(database), sql.Identifier(marts_schema)
            ),
            "the reader sees the marts without qualifying names",
        ),
    ]
    statements += _public_defaults_revoked(database, transformer)
    for schema in schemas:
        statements += _owned_schema(schema, transformer)
    statements += _reader_grants(marts_schema, transformer, reader)
    return reader_plan(
        tenant_id=tenant_id,
        warehouse_type="postgres",
        database=database,
        schemas=schemas,
        marts_schema=marts_schema,
        statements=statements,
        set_password=sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(reader), PASSWORD),
        transformer=transformer,
        reader=reader,
    )


def _create_role_if_missing(
    role: str, options: sql.Composable, purpose: str, *, uses_password: bool = False
) -> Statement:
    query = sql.SQL(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {name}) "
        "THEN CREATE ROLE {role} {options}; END IF; END $$"
    ).format(name=sql.Literal(role), role=sql.Identifier(role), options=options)
    return Statement(query, purpose, uses_password=uses_password)


def _public_defaults_revoked(database: str, transformer: str) -> list[Statement]:
    """PUBLIC's defaults would let the reader write: CREATE in schema public (PostgreSQL <= 14) and TEMP tables.

    Revoking from PUBLIC is database-wide (PostgreSQL cannot deny one role what PUBLIC has), so every
    tenant's transformer, which dbt's incremental models need TEMP for, is granted TEMP back by name; the
    tenant's connection has it through its transformer membership.
    """
    return [
        Statement(
            sql.SQL(
                "DO $$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'public') "
                "THEN REVOKE CREATE ON SCHEMA public FROM PUBLIC; END IF; END $$"
            ),
            "no role creates objects in schema public by default (PostgreSQL <= 14 allowed every role)",
        ),
        Statement(
            sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)),
            "no temporary tables by default (the reader must not write, not even temp tables)",
        ),
        Statement(
            sql.SQL("GRANT TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(transformer)
            ),
            "",  # the transformer keeps TEMP (dbt's incremental models create temp tables)
        ),
    ]


def _owned_schema(schema: str, owner: str) -> list[Statement]:
    """Create the schema owned by the transformer; take over a schema dbt or ingestion created earlier."""
    return [
        Statement(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                sql.Identifier(schema), sql.Identifier(owner)
            ),
            f"schema {schema}, owned by the transformer (also when dbt or ingestion created it before)",
        ),
        Statement(
            sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(sql.Identifier(schema), sql.Identifier(owner)),
            "",  # described with the CREATE above
        ),
    ]


def _reader_grants(marts: str, transformer: str, reader: str) -> list[Statement]:
    schema, reader_role = sql.Identifier(marts), sql.Identifier(reader)
    return [
        Statement(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, reader_role), "reader: the marts schema"),
        Statement(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, reader_role),
            "reader: the marts tables and views that exist now",
        ),
        Statement(
            sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(
                sql.Identifier(transformer), schema, reader_role
            ),
            "reader: marts tables the transformer creates later",
        ),
        Statement(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(schema, reader_role),
            "reader: marts tables the tenant's connection creates later (dbt runs as that login)",
        ),
    ]


# --- execution -------------------------------------------------------------------------------------


def recorded_fingerprint(cursor: Any, tenant_id: str) -> str | None:
    """The fingerprint of the tenant's last successful provisioning in this database, if any."""
    table = f"{BOOKKEEPING_SCHEMA}.{BOOKKEEPING_TABLE}"
    cursor.execute("SELECT to_regclass(%s)", (table,))
    row = cursor.fetchone()
    if not row or row[0] is None:
        return None
    cursor.execute(
        sql.SQL("SELECT fingerprint FROM {} WHERE tenant_id = %s").format(_bookkeeping_table()), (tenant_id,)
    )
    row = cursor.fetchone()
    return str(row[0]) if row else None


def execute_plan(cursor: Any, plan: ProvisioningPlan, password: str | None, *, new_credentials: bool) -> int:
    """Run the plan in the cursor's transaction (the caller commits); returns the number of statements.

    The password travels as a SCRAM verifier computed client-side (libpq's PQencryptPasswordConn), so
    neither the server's log nor an error's context can ever show the password itself.
    """
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_LOCK_KEY,))
    check_schema_owners(cursor, plan, provisioned_before=recorded_fingerprint(cursor, plan.tenant_id) is not None)
    verifier = extensions.encrypt_password(password, plan.reader_role, cursor.connection) if password else None
    statements = [*plan.statements, *(plan.credential_statements if new_credentials else ())]
    for statement in statements:
        if statement.uses_password:
            cursor.execute(statement.query, {PASSWORD_PARAMETER: verifier})
        else:
            cursor.execute(statement.query)
    record_schema_owners(cursor, plan)
    _record_fingerprint(cursor, plan.tenant_id, plan.fingerprint)
    return len(statements)


def _bookkeeping_table() -> sql.Identifier:
    return sql.Identifier(BOOKKEEPING_SCHEMA, BOOKKEEPING_TABLE)


def _record_fingerprint(cursor: Any, tenant_id: str, fingerprint: str) -> None:
    """Upsert, touching the row only when the fingerprint changed (an unchanged re-run writes nothing)."""
    cursor.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(BOOKKEEPING_SCHEMA)))
    cursor.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (tenant_id text PRIMARY KEY, fingerprint text NOT NULL, "
            "provisioned_at timestamptz NOT NULL DEFAULT now())"
        ).format(_bookkeeping_table())
    )
    cursor.execute(
        sql.SQL(
            "INSERT INTO {table} AS t (tenant_id, fingerprint) VALUES (%s, %s) ON CONFLICT (tenant_id) DO UPDATE "
            "SET fingerprint = excluded.fingerprint, provisioned_at = now() WHERE t.fingerprint <> excluded.fingerprint"
        ).format(table=_bookkeeping_table()),
        (tenant_id, fingerprint),
    )
