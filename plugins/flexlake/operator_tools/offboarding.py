"""`flexlake remove-tenant`: offboard a tenant in the order that never leaves a half-removed tenant running.

1. pause its DAG (Airflow's own DagModel in the metadata DB, as `airflow dags pause` does), so no new run starts;
2. archive its published catalog under `<catalog base>/_offboarded/` (or delete it);
3. its access role `tenant_<id>` and the users whose only role it was (flexlake.access), when FAB is the auth
   manager;
4. with --drop-data only: drop its schemas and roles (PostgreSQL, in one transaction under provisioning's lock) or
   delete its DuckDB folder, and its reader's Airflow connection;
5. remove its tenant file and overlay folder, last: until then a failed step can simply be retried.

The plan is computed first and printed as is for a dry run; applying runs the same steps. The DAG's run history stays
in Airflow (the DAG is paused, and stale once its file is gone): `airflow dags delete` removes it.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg2 import sql

from flexlake import settings
from flexlake.access.roles import tenant_role_name
from flexlake.access.sync import AccessError, remove_tenant_access
from flexlake.catalog import catalog_root
from flexlake.dag_factory import tenant_dag_id
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.warehouse_schema import DuckDBWarehouse as DuckDBConfig
from flexlake.tenant_config.warehouse_schema import PostgresWarehouse as PostgresConfig
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.duckdb import DuckDBWarehouse
from flexlake.warehouses.provisioning import BOOKKEEPING_SCHEMA, BOOKKEEPING_TABLE, ProvisioningPlan, render_sql
from flexlake.warehouses.schema_ownership import OWNERS_TABLE

ARCHIVE_FOLDER = "_offboarded"
# Provisioning's advisory lock key (postgres_provisioning): offboarding and provisioning of one database serialize.
_PROVISIONING_LOCK_KEY = "flexlake_provisioning"
_DROP_DATA_WAREHOUSES = ("postgres", "duckdb")


class OffboardingRefused(ValueError):
    """The request cannot be carried out as asked; the message says why and what to do instead."""


@dataclass(frozen=True)
class Step:
    """One thing remove-tenant does: what the plan says, and the action that returns what happened."""

    says: str
    act: Callable[[], str]


@dataclass(frozen=True)
class OffboardingPlan:
    tenant_id: str
    steps: tuple[Step, ...]

    def describe(self) -> str:
        lines = [f"  {number}. {step.says}" for number, step in enumerate(self.steps, start=1)]
        return "\n".join([f"remove-tenant {self.tenant_id}:", *lines])

    def apply(self, report: Callable[[str], None]) -> None:
        """Each step in order; the first exception stops the rest (the file stays, so the command can be rerun)."""
        for number, step in enumerate(self.steps, start=1):
            report(f"  {number}. {step.act()}")


def offboarding_plan(
    tenant: TenantConfig, tenant_file: Path, *, drop_data: bool, delete_catalog: bool
) -> OffboardingPlan:
    """The steps for this tenant; refuses --drop-data where flexlake cannot drop the data itself."""
    if drop_data and tenant.warehouse.type not in _DROP_DATA_WAREHOUSES:
        raise OffboardingRefused(
            f"{tenant_file}: --drop-data supports {' and '.join(_DROP_DATA_WAREHOUSES)} warehouses, not "
            f"{tenant.warehouse.type}: run remove-tenant without it and drop {_schemas_and_roles(tenant)} by hand"
        )
    return OffboardingPlan(
        tenant_id=tenant.tenant_id,
        steps=(
            _pause_step(tenant_dag_id(tenant.tenant_id)),
            _catalog_step(tenant.tenant_id, delete=delete_catalog),
            _access_step(tenant.tenant_id),
            _data_step(tenant) if drop_data else _kept_data_step(tenant),
            _files_step(tenant, tenant_file),
        ),
    )


# --- 1. the DAG ---------------------------------------------------------------------------------------------


def _pause_step(dag_id: str) -> Step:
    return Step(
        f"pause DAG {dag_id} (its run history stays; `airflow dags delete {dag_id}` removes it)",
        lambda: pause_dag(dag_id),
    )


def pause_dag(dag_id: str) -> str:
    """Through Airflow's DagModel, like `airflow dags pause`; a run already running is left to finish."""
    from airflow.models.dag import DagModel  # noqa: PLC0415 - needs Airflow's configured metadata DB
    from airflow.utils.session import create_session  # noqa: PLC0415
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    try:
        with create_session() as session:
            dag = session.get(DagModel, dag_id)
            if dag is None:
                return f"DAG {dag_id} is not in Airflow's metadata DB (never parsed there): nothing to pause"
            was_paused = dag.is_paused
            dag.is_paused = True
    except SQLAlchemyError as error:  # its message may carry the DB URL: name the fix, not the statement
        raise OffboardingRefused(
            f"Airflow's metadata DB cannot be read ({type(error).__name__}): run remove-tenant where AIRFLOW_HOME or "
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN points at the deployment's migrated metadata DB"
        ) from None
    running = running_runs(dag_id)
    state = "was already paused" if was_paused else "paused"
    return f"DAG {dag_id} {state}" + (f"; {running} run(s) still running will finish" if running else "")


def running_runs(dag_id: str) -> int:
    """Runs of the DAG queued or running now (pausing lets them finish)."""
    from airflow.models.dagrun import DagRun  # noqa: PLC0415 - needs Airflow's configured metadata DB
    from airflow.utils.session import create_session  # noqa: PLC0415
    from airflow.utils.state import DagRunState  # noqa: PLC0415
    from sqlalchemy import func, select  # noqa: PLC0415

    states = (DagRunState.QUEUED, DagRunState.RUNNING)
    with create_session() as session:
        count = session.scalar(select(func.count()).where(DagRun.dag_id == dag_id, DagRun.state.in_(states)))
    return int(count or 0)


def _refuse_while_running(dag_id: str) -> None:
    """Dropping data under a running build would fail it half-way: wait for it (pausing started no new one)."""
    if running := running_runs(dag_id):
        raise OffboardingRefused(
            f"{running} run(s) of {dag_id} still running (the DAG is paused now): wait for them, or mark them "
            "failed in the UI, then run remove-tenant again"
        )


# --- 2. the catalog -----------------------------------------------------------------------------------------


def _catalog_step(tenant_id: str, *, delete: bool) -> Step:
    root = catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID)
    if delete:
        return Step(f"delete the published catalog {root}", lambda: _delete_catalog(root))
    archive = root.parent / ARCHIVE_FOLDER / f"{tenant_id}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    return Step(f"archive the published catalog {root} to {archive}", lambda: _archive_catalog(root, archive))


def _archive_catalog(root: Any, archive: Any) -> str:
    if not root.exists():
        return f"no published catalog at {root}: nothing to archive"
    archive.parent.mkdir(parents=True, exist_ok=True)
    root.rename(archive)
    return f"catalog archived to {archive}"


def _delete_catalog(root: Any) -> str:
    if not root.exists():
        return f"no published catalog at {root}: nothing to delete"
    root.rmdir(recursive=True)
    return f"catalog {root} deleted"


# --- 4. the data --------------------------------------------------------------------------------------------


def _access_step(tenant_id: str) -> Step:
    role = tenant_role_name(tenant_id)
    return Step(f"remove access role {role} and the users whose only role it is", lambda: _remove_access(tenant_id))


def _remove_access(tenant_id: str) -> str:
    try:
        return remove_tenant_access(tenant_id)
    except AccessError as refused:  # not FAB: no tenant roles exist to remove (every user sees every tenant)
        return f"no tenant roles to remove: {refused}"


def _kept_data_step(tenant: TenantConfig) -> Step:
    says = f"keep the data ({_where_data_is(tenant)}): --drop-data removes it"
    return Step(says, lambda: f"data kept: {_where_data_is(tenant)}")


def _where_data_is(tenant: TenantConfig) -> str:
    if isinstance(tenant.warehouse, DuckDBConfig):
        return f"DuckDB folder {_duckdb_folder(tenant)}"
    return f"{tenant.warehouse.type} {_schemas_and_roles(tenant)}"


def _schemas_and_roles(tenant: TenantConfig) -> str:
    """What provisioning made for the tenant, as its plan names them on that warehouse (no I/O)."""
    provisioned = get_warehouse(tenant.warehouse.type).provisioning_plan(tenant)
    roles = ", ".join(role for role in (provisioned.reader_role, provisioned.transformer_role) if role) or "none"
    return f"schemas {', '.join(provisioned.schemas)} and roles {roles}"


def _data_step(tenant: TenantConfig) -> Step:
    dag_id = tenant_dag_id(tenant.tenant_id)
    if isinstance(tenant.warehouse, DuckDBConfig):
        folder = _duckdb_folder(tenant)
        return Step(f"DROP DATA: delete the DuckDB folder {folder}", lambda: _delete_duckdb_folder(dag_id, folder))
    assert isinstance(tenant.warehouse, PostgresConfig)
    config = tenant.warehouse
    provisioned = get_warehouse("postgres").provisioning_plan(tenant)
    statements = postgres_drop_statements(provisioned)
    reader_connection = provisioned.reader_connection_id
    sql_text = "\n".join(f"       {render_sql(statement)};" for statement in statements)
    says = (
        f"DROP DATA on postgres connection {config.connection_id}, database {config.database} (one transaction):\n"
        f"{sql_text}\n     and delete Airflow connection {reader_connection}"
    )
    return Step(says, lambda: _drop_postgres_data(dag_id, config, statements, reader_connection))


def _duckdb_folder(tenant: TenantConfig) -> Path:
    """The tenant's own folder (validate refuses two tenants sharing one); never the data dir itself."""
    folder = DuckDBWarehouse().warehouse_path(tenant).parent.resolve()
    data_dir = settings.DATA_DIR.resolve()
    if folder == data_dir or not folder.is_relative_to(data_dir):
        raise OffboardingRefused(
            f"warehouse.path: the DuckDB folder {folder} is not a tenant folder under {data_dir}; "
            "delete the tenant's files by hand and run remove-tenant without --drop-data"
        )
    return folder


def _delete_duckdb_folder(dag_id: str, folder: Path) -> str:
    _refuse_while_running(dag_id)
    if not folder.exists():
        return f"no DuckDB folder {folder}: nothing to delete"
    shutil.rmtree(folder)
    return f"DuckDB folder {folder} deleted"


def postgres_drop_statements(provisioned: ProvisioningPlan) -> list[sql.Composed]:
    """What provisioning created, undone: its schemas (CASCADE: their tables and views), then each of its roles'
    remaining grants and the role, then flexlake's records of the tenant (schema owners, provisioning fingerprint),
    so its names can be provisioned again."""
    schemas = provisioned.schemas
    statements = [sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)) for schema in schemas]
    for role in (provisioned.reader_role, provisioned.transformer_role):
        if role is None:
            continue
        statements.append(
            sql.SQL(
                "DO $$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {name}) THEN "
                "DROP OWNED BY {role}; DROP ROLE {role}; END IF; END $$"
            ).format(name=sql.Literal(role), role=sql.Identifier(role))
        )
    records = (
        (OWNERS_TABLE, sql.SQL("schema_name IN ({})").format(sql.SQL(", ").join(map(sql.Literal, schemas)))),
        (BOOKKEEPING_TABLE, sql.SQL("tenant_id = {}").format(sql.Literal(provisioned.tenant_id))),
    )
    for table, condition in records:
        statements.append(
            sql.SQL(
                "DO $$ BEGIN IF to_regclass({qualified}) IS NOT NULL THEN DELETE FROM {table} WHERE {cond}; "
                "END IF; END $$"
            ).format(
                qualified=sql.Literal(f"{BOOKKEEPING_SCHEMA}.{table}"),
                table=sql.Identifier(BOOKKEEPING_SCHEMA, table),
                cond=condition,
            )
        )
    return statements


def _drop_postgres_data(
    dag_id: str, config: PostgresConfig, statements: list[sql.Composed], reader_connection: str | None
) -> str:
    """As the tenant's warehouse connection (the one that provisioned it), under provisioning's advisory lock."""
    _refuse_while_running(dag_id)
    import psycopg2  # noqa: PLC0415 - only when data is dropped
    from airflow.sdk import BaseHook  # noqa: PLC0415 - connections may live in a secrets backend

    admin = BaseHook.get_connection(config.connection_id)
    connection = psycopg2.connect(
        host=admin.host, port=int(admin.port or 5432), user=admin.login, password=admin.password, dbname=config.database
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_PROVISIONING_LOCK_KEY,))
            for statement in statements:
                cursor.execute(statement)
        connection.commit()
    finally:
        connection.close()
    deleted = _delete_airflow_connection(reader_connection) if reader_connection else False
    kept = f"; Airflow connection {reader_connection} {'deleted' if deleted else 'did not exist'}"
    return f"schemas and roles dropped in database {config.database}{kept}"


def _delete_airflow_connection(conn_id: str) -> bool:
    from airflow.models import Connection  # noqa: PLC0415 - needs Airflow's configured metadata DB
    from airflow.utils.session import create_session  # noqa: PLC0415
    from sqlalchemy import delete  # noqa: PLC0415

    with create_session() as session:
        result = session.execute(delete(Connection).where(Connection.conn_id == conn_id))
    return bool(getattr(result, "rowcount", 0))


# --- 5. the files -------------------------------------------------------------------------------------------


def _files_step(tenant: TenantConfig, tenant_file: Path) -> Step:
    overlay = Path(tenant.dbt.overlay_project) if tenant.dbt.overlay_project else None
    says = f"delete {tenant_file}" + (f" and its overlay dbt project {overlay}" if overlay else "")
    return Step(says, lambda: _delete_files(tenant_file, overlay))


def _delete_files(tenant_file: Path, overlay: Path | None) -> str:
    if overlay is not None and overlay.exists():
        shutil.rmtree(overlay)
    tenant_file.unlink(missing_ok=True)
    return f"deleted {tenant_file}" + (f" and {overlay}" if overlay else "") + " (the DAG goes stale at the next parse)"
