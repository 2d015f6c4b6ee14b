"""Provisioning on a real PostgreSQL server: schemas, transformer, and a reader that reads marts and nothing else.

Two tenants share one database (the harder case for isolation). Reader credentials are stored in Airflow's
real metadata database (SQLite, migrated once for this module) through `flexlake provision`. The test
server trusts local TCP logins, so a password is never checked at login: that the stored password is the
role's is proven against the role's SCRAM verifier instead.
"""

import base64
import contextlib
import hashlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import yaml
from airflow.models import Connection
from airflow.utils.session import create_session
from flexlake.cli import main
from flexlake.tenant_config import TenantConfig, load_tenant_config
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.postgres_provisioning import recorded_fingerprint
from flexlake.warehouses.provisioning import PASSWORD_PARAMETER, render_sql
from flexlake.warehouses.reader_credentials import MetadataDbCredentialStore, TaskCredentialStore
from flexlake.warehouses.schema_ownership import SchemaOwnershipError
from psycopg2 import errors, sql
from sqlalchemy import func, select

from tests.integration.conftest import PostgresServer

pytestmark = pytest.mark.integration

ADMIN_CONN_ID = "flexlake_prov_admin"
TENANTS = ("prov_a", "prov_b")
AIRFLOW = Path(sys.executable).parent / "airflow"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _tenant_file(folder: Path, tenant_id: str, database: str) -> Path:
    document = {
        "tenant_id": tenant_id,
        "display_name": tenant_id.title(),
        "tier": "starter",
        "warehouse": {"type": "postgres", "connection_id": ADMIN_CONN_ID, "database": database},
        "sources": [{"name": "shop", "system": "faker"}],
    }
    path = folder / f"{tenant_id}.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tenants(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tenant files for prov_a, prov_b (and prov_c, provisioned by a task first); a migrated metadata DB."""
    folder = tmp_path_factory.mktemp("provisioning_tenants")
    for tenant_id in (*TENANTS, "prov_c"):
        _tenant_file(folder, tenant_id, postgres_server.dbname)
    subprocess.run([str(AIRFLOW), "db", "migrate"], env=dict(os.environ), check=True, capture_output=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(f"AIRFLOW_CONN_{ADMIN_CONN_ID.upper()}", postgres_server.url)
        yield folder


@pytest.fixture(scope="module")
def provisioned(tenants: Path, postgres_server: PostgresServer) -> dict[str, float]:
    """`flexlake provision` for both tenants; returns the wall time of each first run."""
    seconds = {}
    for tenant_id in TENANTS:
        started = time.monotonic()
        assert main(["provision", tenant_id, "--tenants", str(tenants)]) == 0, f"provision {tenant_id} failed"
        seconds[tenant_id] = time.monotonic() - started
    return seconds


@contextlib.contextmanager
def _cursor(server: PostgresServer, user: str | None = None) -> Iterator[Any]:
    """An autocommit cursor logged in as `user` (default: the superuser); the connection is closed after."""
    connection = psycopg2.connect(
        host=server.host, port=server.port, user=user or server.user, password="unchecked", dbname=server.dbname
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def _denied(server: PostgresServer, user: str, statement: str) -> bool:
    """True when `statement` run as `user` fails for lack of privilege."""
    with _cursor(server, user) as cursor:
        try:
            cursor.execute(statement)
        except (errors.InsufficientPrivilege, errors.InvalidSchemaName):
            return True
    return False


def _tenant(tenants: Path, tenant_id: str) -> TenantConfig:
    return load_tenant_config(tenants / f"{tenant_id}.yaml")


def _catalog_state(server: PostgresServer) -> list[Any]:
    """Roles, schemas with owners and ACLs, default ACLs and table ACLs of the prov_ tenants."""
    with _cursor(server) as cursor:
        queries = (
            "select rolname, rolcanlogin, rolinherit, rolpassword from pg_authid where rolname like 'prov%' order by 1",
            "select nspname, pg_get_userbyid(nspowner), nspacl::text from pg_namespace "
            "where nspname like 'prov%' or nspname = 'flexlake_admin' order by 1",
            "select defaclrole::regrole::text, defaclnamespace::regnamespace::text, defaclacl::text "
            "from pg_default_acl order by 1, 2",
            "select relnamespace::regnamespace::text, relname, relacl::text from pg_class "
            "where relnamespace::regnamespace::text like 'prov%' order by 1, 2",
            "select r.rolname, m.rolname from pg_auth_members a join pg_roles r on r.oid = a.roleid "
            "join pg_roles m on m.oid = a.member where r.rolname like 'prov%' order by 1, 2",
            "select tenant_id, fingerprint, provisioned_at from flexlake_admin.provisioning order by 1",
        )
        state = []
        for query in queries:
            cursor.execute(query)
            state.append(cursor.fetchall())
    return state


def _scram_matches(verifier: str, password: str) -> bool:
    """Whether `password` is the one PostgreSQL's SCRAM-SHA-256 verifier was made from (RFC 5802 / 7677)."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$", 1)
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == base64.b64decode(stored_key)


def _role_password(server: PostgresServer, role: str) -> str | None:
    with _cursor(server) as cursor:
        cursor.execute("select rolpassword from pg_authid where rolname = %s", (role,))
        row = cursor.fetchone()
    return row[0] if row else None


def test_each_tenant_gets_its_schemas_roles_and_one_reader_connection(
    provisioned: dict[str, float], tenants: Path, postgres_server: PostgresServer
) -> None:
    """Raw, staging, input, core, marts, reference schemas owned by the transformer; the reader connection works."""
    store = MetadataDbCredentialStore()
    with _cursor(postgres_server) as cursor:
        for tenant_id in TENANTS:
            cursor.execute(
                "select nspname, pg_get_userbyid(nspowner) from pg_namespace where nspname like %s order by 1",
                (f"{tenant_id}\\_%",),
            )
            owners = dict(cursor.fetchall())
            expected = {
                f"{tenant_id}_{layer}" for layer in ("raw_shop", "staging", "input", "core", "marts", "reference")
            }
            assert set(owners) == expected, owners
            assert set(owners.values()) == {f"{tenant_id}_transformer"}, owners
            password = store.get_password(f"flexlake_reader__{tenant_id}")
            verifier = _role_password(postgres_server, f"{tenant_id}_reader")
            assert password and verifier and _scram_matches(verifier, password), "stored password is not the role's"
    assert _connection_count("flexlake_reader__prov_a") == 1


def _connection_count(conn_id: str) -> int:
    with create_session() as session:
        return int(session.scalar(select(func.count()).where(Connection.conn_id == conn_id)) or 0)


def test_the_reader_reads_its_marts_and_nothing_else(
    provisioned: dict[str, float], postgres_server: PostgresServer
) -> None:
    """A's reader: SELECT on A's marts (tables made before and after provisioning); denied everywhere else."""
    with _cursor(postgres_server) as cursor:
        cursor.execute("SET ROLE prov_a_transformer")
        for schema in ("prov_a_marts", "prov_a_raw_shop", "prov_a_staging", "prov_a_core"):
            cursor.execute(f"create table if not exists {schema}.by_transformer as select 1 as id")
        cursor.execute("SET ROLE prov_b_transformer")
        cursor.execute("create table if not exists prov_b_marts.by_transformer as select 1 as id")
        cursor.execute("RESET ROLE")  # the tenant's own login, as dbt runs today
        cursor.execute("create table if not exists prov_a_marts.by_login as select 2 as id")
        cursor.execute("create table if not exists prov_b_marts.by_login as select 2 as id")
    reader = "prov_a_reader"
    with _cursor(postgres_server, reader) as cursor:
        cursor.execute("select id from prov_a_marts.by_transformer union all select id from by_login order by 1")
        assert cursor.fetchall() == [(1,), (2,)], "the reader must read every marts table, by search_path too"
    for schema in ("prov_a_raw_shop", "prov_a_staging", "prov_a_core", "prov_b_marts"):
        assert _denied(postgres_server, reader, f"select * from {schema}.by_transformer"), f"{reader} read {schema}"
    assert _denied(postgres_server, reader, "select * from prov_b_marts.by_login")
    assert _denied(postgres_server, reader, "insert into prov_a_marts.by_login values (3)"), "the reader wrote"
    assert _denied(postgres_server, reader, "create table prov_a_marts.mine (id int)"), "the reader created a table"
    assert _denied(postgres_server, reader, "create table public.mine (id int)"), "the reader created in public"
    assert _denied(postgres_server, reader, "create schema reader_owned"), "the reader created a schema"
    assert _denied(postgres_server, reader, "set role prov_a_transformer"), "the reader became the transformer"


def test_the_transformer_creates_tables_in_its_schemas_only(
    provisioned: dict[str, float], postgres_server: PostgresServer
) -> None:
    """As dbt would with the transformer role: CREATE TABLE in every own schema works, in B's it does not."""
    with _cursor(postgres_server) as cursor:
        cursor.execute("create role prov_dbt_login login")  # a login that is not a superuser
        cursor.execute("grant prov_a_transformer to prov_dbt_login")
    with _cursor(postgres_server, "prov_dbt_login") as cursor:
        cursor.execute("SET ROLE prov_a_transformer")
        for layer in ("raw_shop", "staging", "input", "core", "marts", "reference"):
            cursor.execute(f"create table prov_a_{layer}.dbt_made (id int)")
            cursor.execute(f"drop table prov_a_{layer}.dbt_made")
    assert _denied(postgres_server, "prov_dbt_login", "create table prov_b_marts.dbt_made (id int)")


def test_provisioning_again_changes_nothing_and_unchanged_runs_skip(
    provisioned: dict[str, float], tenants: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second `flexlake provision` leaves roles, passwords, ACLs and the bookkeeping row as they were."""
    before = _catalog_state(postgres_server)
    assert main(["provision", "prov_a", "--tenants", str(tenants)]) == 0
    assert "reader credentials reused" in capsys.readouterr().out
    assert _catalog_state(postgres_server) == before, "re-provisioning changed the catalog"
    assert _connection_count("flexlake_reader__prov_a") == 1
    warehouse = get_warehouse("postgres")
    tenant = _tenant(tenants, "prov_a")
    result = warehouse.provision(tenant, TaskCredentialStore(), force=False)
    assert result.skipped and result.statements_executed == 0, result
    print(f"\nprovision prov_a: first {provisioned['prov_a']:.2f} s (CLI), unchanged {result.seconds * 1000:.0f} ms")


def test_a_task_without_reader_connection_leaves_the_role_passwordless_until_the_cli_issues_one(
    tenants: Path, postgres_server: PostgresServer
) -> None:
    """The task cannot create connections: role without password, credentials 'missing'; the CLI heals it."""
    tenant = _tenant(tenants, "prov_c")
    result = get_warehouse("postgres").provision(tenant, TaskCredentialStore(), force=False)
    assert result.reader_credentials == "missing" and not result.skipped, result
    assert _role_password(postgres_server, "prov_c_reader") is None
    assert main(["provision", str(tenants / "prov_c.yaml")]) == 0
    password = MetadataDbCredentialStore().get_password("flexlake_reader__prov_c")
    verifier = _role_password(postgres_server, "prov_c_reader")
    assert password and verifier and _scram_matches(verifier, password), "the CLI did not set the new password"


def test_the_dry_run_text_is_what_psycopg2_sends(tenants: Path, postgres_server: PostgresServer) -> None:
    """Offline rendering (used by --dry-run and DuckDB) equals psycopg2's rendering on a live connection."""
    plan = get_warehouse("postgres").provisioning_plan(_tenant(tenants, "prov_a"))
    with _cursor(postgres_server) as cursor:
        for statement in (*plan.statements, *plan.credential_statements):
            live = statement.query.as_string(cursor)
            offline = render_sql(statement.query, password="p")
            assert offline == live.replace(f"%({PASSWORD_PARAMETER})s", "'p'"), (offline, live)


def test_a_recorded_fingerprint_is_the_plans(
    provisioned: dict[str, float], tenants: Path, postgres_server: PostgresServer
) -> None:
    """The bookkeeping row holds the plan's fingerprint, which is what lets unchanged task runs skip."""
    plan = get_warehouse("postgres").provisioning_plan(_tenant(tenants, "prov_b"))
    with _cursor(postgres_server) as cursor:
        assert recorded_fingerprint(cursor, "prov_b") == plan.fingerprint
        cursor.execute(
            sql.SQL("select has_schema_privilege({}, 'flexlake_admin', 'usage')").format(sql.Literal("prov_b_reader"))
        )
        assert cursor.fetchone() == (False,), "the reader must not see the bookkeeping schema"


def test_the_dag_task_provisions_a_new_tenant_then_skips_when_nothing_changed(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    """`airflow tasks test ... provision_warehouse` for a new PostgreSQL tenant executes; the next run skips."""
    folder = tmp_path / "tenant_configs"
    folder.mkdir()
    _tenant_file(folder, "prov_d", postgres_server.dbname)
    environment = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow_home"),
        "FLEXLAKE_DATA_DIR": str(tmp_path / "data"),
        "FLEXLAKE_TENANT_CONFIGS_DIR": str(folder),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        f"AIRFLOW_CONN_{ADMIN_CONN_ID.upper()}": postgres_server.url,
    }
    subprocess.run([str(AIRFLOW), "db", "migrate"], env=environment, check=True, capture_output=True)
    started = time.monotonic()
    result = subprocess.run(
        [str(AIRFLOW), "tasks", "test", "flexlake__prov_d", "provision_warehouse"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    print(f"\nairflow tasks test provision_warehouse: {time.monotonic() - started:.1f} s")
    executed = len(get_warehouse("postgres").provisioning_plan(load_tenant_config(folder / "prov_d.yaml")).statements)
    assert f"prov_d: {executed} statements executed" in output, output[-3000:]
    assert "reader credentials missing" in output, output[-3000:]
    assert _role_password(postgres_server, "prov_d_reader") is None, "no connection, so no password yet"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(f"AIRFLOW_CONN_{ADMIN_CONN_ID.upper()}", postgres_server.url)
        tenant = load_tenant_config(folder / "prov_d.yaml")
        again = get_warehouse("postgres").provision(tenant, TaskCredentialStore(), force=False)
    assert again.skipped, f"an unchanged plan must skip: {again}"


def _intruder(database: str, tenant_id: str, schema_prefix: str) -> TenantConfig:
    """A tenant file an operator got wrong: its schema_prefix is another tenant's."""
    return TenantConfig.model_validate(
        {
            "tenant_id": tenant_id,
            "display_name": tenant_id.title(),
            "tier": "starter",
            "warehouse": {
                "type": "postgres",
                "connection_id": ADMIN_CONN_ID,
                "database": database,
                "schema_prefix": schema_prefix,
            },
            "sources": [{"name": "shop", "system": "faker"}],
        }
    )


def test_a_tenant_with_another_tenants_schema_prefix_is_refused_and_nothing_changes(
    provisioned: dict[str, float], postgres_server: PostgresServer
) -> None:
    """prov_x with schema_prefix prov_a: refused naming both tenants and the fix; no role, owner or grant changed."""
    before = _catalog_state(postgres_server)
    intruder = _intruder(postgres_server.dbname, "prov_x", "prov_a")
    with pytest.raises(SchemaOwnershipError) as raised:
        get_warehouse("postgres").provision(intruder, MetadataDbCredentialStore(), force=True)
    message = str(raised.value)
    assert "schema prov_a_marts belongs to tenant prov_a, not to prov_x" in message, message
    assert "warehouse.schema_prefix" in message, f"the error should say the fix: {message}"
    assert _catalog_state(postgres_server) == before, "a refused provisioning changed roles, owners or grants"
    assert _connection_count("flexlake_reader__prov_x") == 0, "a refused tenant got reader credentials"


def test_an_existing_schema_no_tenant_owns_is_refused_until_it_is_recorded(
    tenants: Path, postgres_server: PostgresServer
) -> None:
    """A schema flexlake did not create is not taken over; recording it as the error says lets provisioning run."""
    _tenant_file(tenants, "prov_f", postgres_server.dbname)
    tenant = _tenant(tenants, "prov_f")
    with _cursor(postgres_server) as cursor:
        cursor.execute("create schema prov_f_marts")
    with pytest.raises(SchemaOwnershipError) as raised:
        get_warehouse("postgres").provision(tenant, TaskCredentialStore(), force=True)
    message = str(raised.value)
    assert "prov_f_marts already exists and no flexlake tenant owns it" in message, message
    fix = message[message.index("INSERT INTO") :].strip()
    with _cursor(postgres_server) as cursor:
        cursor.execute(fix)
    result = get_warehouse("postgres").provision(tenant, TaskCredentialStore(), force=True)
    assert not result.skipped, result
    owner = postgres_server.fetch("select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'prov_f_marts'")
    assert owner == [("prov_f_transformer",)], owner


def test_a_tenant_provisioned_before_ownership_was_recorded_claims_its_own_schemas(
    provisioned: dict[str, float], tenants: Path, postgres_server: PostgresServer
) -> None:
    """An upgraded installation (fingerprint row, no owner rows) re-provisions and records its schemas."""
    with _cursor(postgres_server) as cursor:
        cursor.execute("delete from flexlake_admin.schema_owners where tenant_id = 'prov_b'")
    tenant = _tenant(tenants, "prov_b")
    get_warehouse("postgres").provision(tenant, TaskCredentialStore(), force=True)
    rows = postgres_server.fetch("select schema_name from flexlake_admin.schema_owners where tenant_id = 'prov_b'")
    plan = get_warehouse("postgres").provisioning_plan(tenant)
    assert {row[0] for row in rows} == set(plan.schemas), rows


def test_the_reader_cannot_write_anywhere_even_with_postgresql_14_defaults(
    provisioned: dict[str, float], tenants: Path, postgres_server: PostgresServer
) -> None:
    """With PUBLIC's pre-15 defaults restored, provisioning revokes them: the reader creates nothing, not even
    temp tables, in any schema, and still reads its marts; a login acting as the transformer keeps TEMP."""
    reader = "prov_a_reader"
    with _cursor(postgres_server) as cursor:
        cursor.execute("grant create on schema public to public")
        cursor.execute(f'grant temporary on database "{postgres_server.dbname}" to public')
        cursor.execute("SET ROLE prov_a_transformer")
        cursor.execute("create table if not exists prov_a_marts.reader_check as select 1 as id")
        cursor.execute("RESET ROLE")
    assert not _denied(postgres_server, reader, "create temp table probe (id int)"), "PG 14 defaults not simulated"
    assert main(["provision", "prov_a", "--tenants", str(tenants)]) == 0
    schemas = [f"prov_a_{layer}" for layer in ("raw_shop", "staging", "input", "core", "marts", "reference")]
    for schema in ("public", "flexlake_admin", "prov_b_marts", *schemas):
        assert _denied(postgres_server, reader, f"create table {schema}.reader_made (id int)"), f"wrote {schema}"
    assert _denied(postgres_server, reader, "create temp table reader_temp (id int)"), "the reader made a temp table"
    with _cursor(postgres_server, reader) as cursor:
        cursor.execute("select id from reader_check")
        assert cursor.fetchall() == [(1,)], "the reader lost its marts"
    with _cursor(postgres_server) as cursor:
        cursor.execute("create role prov_temp_login login")
        cursor.execute("grant prov_a_transformer to prov_temp_login")
    with _cursor(postgres_server, "prov_temp_login") as cursor:
        cursor.execute("create temp table dbt_tmp (id int)")  # dbt's incremental models need this
