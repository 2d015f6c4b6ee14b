"""Per-tenant access, the flexlake portal and the SQL console through ONE real api-server with FAB (issue 15).

One module, one api-server (no scheduler or dag-processor): under `--dist loadfile` two modules would each start
their own on different test processes, so the core REST matrix, the portal and the console share this fixture (~72 s
of set-up once). Set-up: alpha_shop ("Alpha Shop", starter, DuckDB) and beta_shop ("Beta Shop", enterprise,
PostgreSQL) in a temp tenants folder; beta_shop and delta_shop (PostgreSQL only) provisioned on the session
PostgreSQL by PostgresWarehouse.provision (schemas, transformer, read-only reader; beta's reader connection handed
to the api-server through the environment, as a secrets backend would), each with a dim_customers mart made by its
transformer; the catalogs published by flexlake.catalog's own functions to an s3:// catalog (moto's S3 server on
loopback, reached through the amazon provider with the `aws` connection in the environment, so the portal's pages
and the console's audit log are on s3); `airflow db migrate`; `flexlake access sync --admin admin`; one user per
tenant made by `flexlake access add-user` (alice's password from stdin, bob's generated); `airflow dags
reserialize` (the DAGs and their access_control into the metadata DB, as the dag-processor would); a third tenant
file that fails validation; then `airflow api-server`. Runs are created by triggers and never executed: what is
under test is who may do what.

Core REST: anonymous / alpha's user / beta's user / admin x list DAGs, get DAG, trigger, task logs, clear task
instances, clear a run, task-group dry run, the UI's DAG list and grid and graph data: 401 without a token, 403 on
the other tenant's DAG for every call, only the tenant's own DAG listed. Comments name the upstream issue a check
guards against: #51325 / #51881 (a per-DAG user gets 403 or an empty list on the DAG list), #58985 (runs and task
instances invisible without the global DAGs permission), #62532 (task-group views 404 with per-DAG permissions).
Plain httpx, not apache-airflow-client: the matrix compares raw status codes (the client raises a different
exception class per code) and half of the calls are the UI's /ui routes, which the client does not cover.

Portal: the same users x every portal route x both tenants, with 401 / 403 / 200, and no page of one tenant ever
carries the other's docs, runs or name; path tricks get 404. Then a real browser (Debian's chromium through
playwright) logs in on FAB's form as alpha's user: the DAG list shows alpha only, the portal's Catalog and Runs pages
show alpha's docs and runs, beta's page is refused; the Catalog and Run history tabs of alpha's DAG page render the
portal in their iframes with the UI's cookie. Screenshots go to the test's tmp folder and, when CI=true, to
test-artifacts/portal/.

SQL console: the PostgreSQL reader role itself refuses writes and DDL and the other tenant's schema, statement
timeout and row limit (the console's PostgreSQL path, no api-server), then one test through the api-server and the
console's form in the browser as beta's user.

The last test removes beta's tenant file (`flexlake access sync` then removes its role): it stays last in the module.
"""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg2
import pytest
import yaml
from flexlake.catalog.publish import catalog_root
from flexlake.portal.console import (
    ConsoleLimits,
    PostgresReader,
    StatementFailed,
    StatementTimedOut,
    run_postgres,
)
from flexlake.portal.console_audit import read_records
from flexlake.tenant_config.schema import TenantConfig
from flexlake.warehouses.postgres import PostgresWarehouse
from flexlake.warehouses.reader_credentials import ReaderConnection
from playwright.sync_api import Browser, Page, sync_playwright

from tests.integration.airflow_servers import PROJECT_ROOT, MotoS3, moto_s3_server
from tests.integration.conftest import PostgresServer
from tests.unit.portal.catalog_samples import SampleRun, docs_marker, publish_sample_runs

pytestmark = pytest.mark.integration

TENANTS = {"alpha_shop": "Alpha Shop", "beta_shop": "Beta Shop"}
# Who is who in the matrix: each tenant user's tenant (admin and anonymous have none), and their login names.
USER_TENANT = {"alpha": "alpha_shop", "beta": "beta_shop"}
USERNAMES = {"alpha": "alice", "beta": "bob", "admin": "admin"}
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
MINIMAL_TENANT = PROJECT_ROOT / "tests" / "fixtures" / "tenant_configs" / "valid" / "minimal_tenant.yaml"
BROKEN_FILE = "gamma_shop.yaml"
READY_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 20
# A task of every tenant DAG, and its dbt task group: the checks read and clear them on a triggered run.
TASK_ID = "provision_warehouse"
TASK_GROUP_ID = "dbt_transform"
# The s3:// catalog every portal page reads: moto's bucket, through this Airflow connection.
CATALOG_BUCKET = "flexlake-portal"
CATALOG_CONN_ID = "flexlake_catalog"
# The enterprise PostgreSQL tenants of the SQL console: beta_shop (a tenant of the api-server) and delta_shop (only in
# PostgreSQL, for reader isolation). Both are provisioned by PostgresWarehouse.provision, as `flexlake provision` does.
PG_TENANTS = ("beta_shop", "delta_shop")
PG_ADMIN_CONN_ID = "flexlake_pg_console_admin"
CONSOLE_LIMITS = ConsoleLimits(timeout_seconds=5, max_rows=100)
# The api-server's per-user console limit: above what any one user posts before the rate-limit test (bob: 5).
CONSOLE_RATE_STATEMENTS = 6
CONSOLE_RATE_LIMIT = f"{CONSOLE_RATE_STATEMENTS}/600"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _dag_id(tenant: str) -> str:
    return f"flexlake__{tenant}"


@dataclass
class FabServer:
    """The running api-server, the users' JWTs (None: anonymous) and passwords, a run per DAG made by the admin,
    and the catalog versions published per tenant (oldest first)."""

    base_url: str
    tokens: dict[str, str | None]
    passwords: dict[str, str]
    env: dict[str, str]
    tenants_dir: Path
    versions: dict[str, list[str]]
    seed_runs: dict[str, str] = field(default_factory=dict)

    def client(self, who: str) -> httpx.Client:
        token = self.tokens[who]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def get(self, who: str, path: str) -> httpx.Response:
        with self.client(who) as client:
            return client.get(path)


def _run(command: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """One CLI step of the set-up; its output in the failure message (never a password: none is logged)."""
    result = subprocess.run(
        command, env=env, input=stdin, capture_output=True, text=True, cwd=PROJECT_ROOT, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _write_tenants(folder: Path, database: str) -> None:
    """alpha_shop: a starter DuckDB tenant; beta_shop: an enterprise PostgreSQL tenant (the SQL console's)."""
    folder.mkdir(parents=True)
    alpha = MINIMAL_TENANT.read_text().replace("minimal_tenant", "alpha_shop").replace("Minimal Tenant", "Alpha Shop")
    (folder / "alpha_shop.yaml").write_text(alpha)
    (folder / "beta_shop.yaml").write_text(yaml.safe_dump(_pg_tenant_document("beta_shop", database)))


def _pg_tenant_document(tenant_id: str, database: str) -> dict[str, object]:
    return {
        "tenant_id": tenant_id,
        "display_name": TENANTS.get(tenant_id, tenant_id),
        "tier": "enterprise",
        "warehouse": {"type": "postgres", "connection_id": PG_ADMIN_CONN_ID, "database": database},
        "sources": [{"name": "shop", "system": "faker"}],
    }


@dataclass
class _KeptCredentials:
    """A CredentialStore that keeps the reader connections `provision` creates (the test hands them on)."""

    can_create: bool = True
    created: dict[str, ReaderConnection] = field(default_factory=dict)

    def get_password(self, conn_id: str) -> str | None:
        kept = self.created.get(conn_id)
        return kept.password if kept else None

    def create(self, connection: ReaderConnection) -> None:
        self.created[connection.conn_id] = connection


@pytest.fixture(scope="module")
def pg_readers(postgres_server: PostgresServer) -> Iterator[dict[str, ReaderConnection]]:
    """beta_shop and delta_shop provisioned on the session PostgreSQL (schemas, transformer, reader), each with a
    dim_customers mart created by its transformer; their reader connections, as `flexlake provision` stores them."""
    kept = _KeptCredentials()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(f"AIRFLOW_CONN_{PG_ADMIN_CONN_ID.upper()}", postgres_server.url)
        for tenant_id in PG_TENANTS:
            tenant = TenantConfig.model_validate(_pg_tenant_document(tenant_id, postgres_server.dbname))
            PostgresWarehouse().provision(tenant, kept, force=True)
            _create_mart(postgres_server, tenant_id)
        yield {tenant_id: kept.created[f"flexlake_reader__{tenant_id}"] for tenant_id in PG_TENANTS}


def _create_mart(server: PostgresServer, tenant_id: str) -> None:
    """dim_customers in the tenant's marts, made by its transformer (the default privileges grant the reader)."""
    connection = psycopg2.connect(**server.connection_kwargs)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"set role {tenant_id}_transformer")
            cursor.execute(
                f"create table {tenant_id}_marts.dim_customers as select g as customer_id, "
                f"'{tenant_id} customer ' || g as name from generate_series(1, 5) g"
            )
    finally:
        connection.close()


def _reader(connection: ReaderConnection) -> PostgresReader:
    assert connection.host and connection.port
    return PostgresReader(connection.host, connection.port, connection.login, connection.schema, connection.password)


def _connection_json(connection: ReaderConnection) -> str:
    """The reader's connection as an AIRFLOW_CONN_ value (a secrets backend would hold it the same way)."""
    fields = {"host": connection.host, "port": connection.port, "login": connection.login}
    return json.dumps({"conn_type": "postgres", **fields, "password": connection.password, "schema": connection.schema})


def _publish_catalogs(s3: MotoS3, scratch: Path) -> dict[str, list[str]]:
    """Two published runs for alpha (the second with failed tests), one for beta: the real publish functions."""
    runs = {
        "alpha_shop": [
            SampleRun("scheduled__2026-12-06T10:00:00+00:00", 120, 30),
            SampleRun("scheduled__2026-12-06T11:00:00+00:00", 150, 45, failed_tests=1),
        ],
        "beta_shop": [SampleRun("scheduled__2026-12-06T10:00:00+00:00", 999, 999)],
    }
    base = f"s3://{s3.bucket}/catalog"
    return {
        tenant: publish_sample_runs(catalog_root(base, tenant, CATALOG_CONN_ID), scratch, tenant, tenant_runs)
        for tenant, tenant_runs in runs.items()
    }


def _environment(root: Path, port: int) -> dict[str, str]:
    data_dir = root / "data"
    return {
        **os.environ,
        "PATH": f"{PROJECT_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "FLEXLAKE_DATA_DIR": str(data_dir),
        "AIRFLOW_HOME": str(data_dir / "airflow_home"),
        "FLEXLAKE_TENANT_CONFIGS_DIR": str(root / "tenants"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
        "AIRFLOW__COSMOS__CACHE_DIR": str(data_dir / "cosmos_cache"),
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH": str(data_dir / "dag_bundles"),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "FLEXLAKE_CONSOLE_RATE_LIMIT": CONSOLE_RATE_LIMIT,
        "DO_NOT_TRACK": "1",
    }


def _free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _token(base_url: str, username: str, password: str) -> str:
    response = httpx.post(f"{base_url}/auth/token", json={"username": username, "password": password}, timeout=30)
    assert response.status_code in {200, 201}, f"login as {username}: {response.status_code} {response.text}"
    token: str = response.json()["access_token"]
    return token


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"api-server exited ({process.returncode}):\n{log_path.read_text()[-4000:]}"
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/api/v2/monitor/health", timeout=3).status_code == 200:
                return
        time.sleep(0.5)
    raise AssertionError(f"api-server not healthy after {READY_TIMEOUT_SECONDS} s:\n{log_path.read_text()[-4000:]}")


@contextlib.contextmanager
def _api_server(env: dict[str, str], port: int, log_path: Path) -> Iterator[str]:
    """`airflow api-server` in its own session; SIGINT (its clean stop), then SIGKILL of whatever is left."""
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            ["airflow", "api-server", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_healthy(process, base_url, log_path)
            yield base_url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def fab_server(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    pg_readers: dict[str, ReaderConnection],
) -> Iterator[FabServer]:
    """Tenants, s3 catalogs, roles, users and DAGs in a fresh metadata DB, then one api-server with FAB."""
    root = tmp_path_factory.mktemp("tenant_access")
    tenants_dir = root / "tenants"
    _write_tenants(tenants_dir, postgres_server.dbname)
    beta_reader = pg_readers["beta_shop"]
    with moto_s3_server(CATALOG_BUCKET) as s3, pytest.MonkeyPatch.context() as patch:
        catalog_env = {
            "FLEXLAKE_CATALOG_BASE_URI": f"s3://{s3.bucket}/catalog",
            "FLEXLAKE_CATALOG_CONN_ID": CATALOG_CONN_ID,
            f"AIRFLOW_CONN_{CATALOG_CONN_ID.upper()}": s3.connection_json(),
            f"AIRFLOW_CONN_{PG_ADMIN_CONN_ID.upper()}": postgres_server.url,
            f"AIRFLOW_CONN_{beta_reader.conn_id.upper()}": _connection_json(beta_reader),
        }
        for name, value in catalog_env.items():
            patch.setenv(name, value)  # this process publishes through the same connection
        versions = _publish_catalogs(s3, root / "scratch")
        port = _free_port()
        env = {**_environment(root, port), **catalog_env}
        passwords = {"admin": secrets.token_urlsafe(12), "alpha": secrets.token_urlsafe(12)}
        _run(["airflow", "db", "migrate"], env)
        synced = _run(
            ["flexlake", "access", "sync", "--admin", "admin"], {**env, "FLEXLAKE_ADMIN_PASSWORD": passwords["admin"]}
        )
        assert "created: tenant_alpha_shop, tenant_beta_shop" in synced, synced
        _run(["flexlake", "access", "add-user", "alpha_shop", "alice", "--password-stdin"], env, passwords["alpha"])
        created = _run(["flexlake", "access", "add-user", "beta_shop", "bob"], env)
        generated = re.search(r"password \(shown once, stored hashed\): (\S+)", created)
        assert generated, f"add-user without --password-stdin printed no password:\n{created}"
        passwords["beta"] = generated.group(1)
        _run(["airflow", "dags", "reserialize"], env)
        broken = (PROJECT_ROOT / "tests/fixtures/tenant_configs/invalid/source_typo.yaml").read_text()
        (tenants_dir / BROKEN_FILE).write_text(broken.replace("source_typo", "gamma_shop"))
        with _api_server(env, port, root / "api-server.log") as base_url:
            tokens: dict[str, str | None] = {"anonymous": None}
            tokens |= {who: _token(base_url, USERNAMES[who], password) for who, password in passwords.items()}
            server = FabServer(base_url, tokens, passwords, env, tenants_dir, versions)
            with server.client("admin") as admin:
                for tenant in TENANTS:
                    response = admin.post(f"/api/v2/dags/{_dag_id(tenant)}/dagRuns", json={"logical_date": None})
                    assert response.status_code == 200, f"admin trigger on {tenant}: {response.text}"
                    server.seed_runs[tenant] = response.json()["dag_run_id"]
            yield server


# ----- The matrix ------------------------------------------------------------------------------------------------

Call = Callable[[httpx.Client, str, str], httpx.Response]

CALLS: dict[str, Call] = {
    "get DAG": lambda client, dag_id, run: client.get(f"/api/v2/dags/{dag_id}"),
    "list runs": lambda client, dag_id, run: client.get(f"/api/v2/dags/{dag_id}/dagRuns"),
    "trigger": lambda client, dag_id, run: client.post(
        f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "dag_run_id": f"t_{secrets.token_hex(4)}"}
    ),
    "task instances": lambda client, dag_id, run: client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run}/taskInstances"),
    "task logs": lambda client, dag_id, run: client.get(
        f"/api/v2/dags/{dag_id}/dagRuns/{run}/taskInstances/{TASK_ID}/logs/1"
    ),
    "clear task instances": lambda client, dag_id, run: client.post(
        f"/api/v2/dags/{dag_id}/clearTaskInstances", json={"dry_run": True, "dag_run_id": run, "only_failed": False}
    ),
    "clear run": lambda client, dag_id, run: client.post(
        f"/api/v2/dags/{dag_id}/dagRuns/{run}/clear", json={"dry_run": True}
    ),
    # #62532: task-group views with per-DAG permissions (the grid's structure and a group's dry-run clear).
    "grid structure": lambda client, dag_id, run: client.get(f"/ui/grid/structure/{dag_id}"),
    "graph data": lambda client, dag_id, run: client.get("/ui/structure/structure_data", params={"dag_id": dag_id}),
    "task group dry run": lambda client, dag_id, run: client.patch(
        f"/api/v2/dags/{dag_id}/dagRuns/{run}/taskGroupInstances/{TASK_GROUP_ID}/dry_run",
        json={"new_state": "success"},
    ),
}
# Authorized, but the run was never executed (no scheduler): no try 1, so "not found" proves the caller got past
# the authorization check; the other tenant's user must get 403 before any lookup.
AUTHORIZED_STATUS = {"task logs": 404}


def _expected(who: str, tenant: str, call: str) -> int:
    if who == "anonymous":
        return 401
    if who == "admin" or USER_TENANT.get(who) == tenant:
        return AUTHORIZED_STATUS.get(call, 200)
    return 403


@pytest.mark.parametrize("call", sorted(CALLS))
def test_each_user_reaches_only_their_own_tenant_dag(fab_server: FabServer, call: str) -> None:
    """Every REST/UI call per user and tenant DAG: 401 anonymous, 403 cross-tenant, 200 own tenant and admin."""
    got: dict[tuple[str, str], int] = {}
    for who in fab_server.tokens:
        with fab_server.client(who) as client:
            for tenant in TENANTS:
                got[who, tenant] = CALLS[call](client, _dag_id(tenant), fab_server.seed_runs[tenant]).status_code
    expected = {(who, tenant): _expected(who, tenant, call) for who, tenant in got}
    assert got == expected, f"{call}: got {got}, expected {expected}"


@pytest.mark.parametrize(
    ("who", "listed"), [("alpha", {"alpha_shop"}), ("beta", {"beta_shop"}), ("admin", set(TENANTS))]
)
def test_the_dag_lists_show_only_the_users_tenants(fab_server: FabServer, who: str, listed: set[str]) -> None:
    """The REST and UI DAG lists, and the cross-DAG run and task-instance lists, show only the user's tenants."""
    wanted = {_dag_id(tenant) for tenant in listed}
    with fab_server.client(who) as client:
        # #51325 / #51881: a per-DAG user must get its DAGs, not a 403 or an empty list, without `DAGs.can_read`.
        rest = client.get("/api/v2/dags")
        ui = client.get("/ui/dags")
        # #58985: runs and task instances of the user's DAGs visible without the global DAGs permission.
        runs = client.get("/api/v2/dags/~/dagRuns")
        instances = client.get("/api/v2/dags/~/dagRuns/~/taskInstances", params={"limit": 100})
    for name, response in (("dags", rest), ("ui dags", ui), ("runs", runs), ("task instances", instances)):
        assert response.status_code == 200, f"{who} {name}: {response.status_code} {response.text}"
    assert {dag["dag_id"] for dag in rest.json()["dags"]} == wanted
    assert {dag["dag_id"] for dag in ui.json()["dags"]} == wanted
    assert {run["dag_id"] for run in runs.json()["dag_runs"]} == wanted
    # One page (100) of task instances: a run has more tasks than that, so the admin's page may hold one DAG only.
    seen = {instance["dag_id"] for instance in instances.json()["task_instances"]}
    assert seen and seen <= wanted, f"{who} sees task instances of {sorted(seen - wanted)}"


def test_anonymous_lists_nothing(fab_server: FabServer) -> None:
    """Without a token the DAG list is refused (no SimpleAuthManager-style open access)."""
    with fab_server.client("anonymous") as client:
        assert client.get("/api/v2/dags").status_code == 401


# ----- The portal -------------------------------------------------------------------------------------------------

ROUTES = {
    "catalog": "/flexlake/dags/{dag}/catalog",
    "catalog docs": "/flexlake/dags/{dag}/catalog/{version}/docs",
    "catalog old version": "/flexlake/dags/{dag}/catalog?version={version}",
    "runs": "/flexlake/dags/{dag}/runs",
    "console audit": "/flexlake/dags/{dag}/console/audit",
}


def _expected_portal(who: str, tenant: str) -> int:
    if who == "anonymous":
        return 401
    return 200 if who == "admin" or USER_TENANT[who] == tenant else 403


def test_every_portal_route_answers_only_the_tenants_users(fab_server: FabServer) -> None:
    """401 anonymous, 403 for the other tenant's user, 200 for the tenant's user and the admin, on every route."""
    got, expected = {}, {}
    for who in fab_server.tokens:
        for tenant in TENANTS:
            oldest = fab_server.versions[tenant][0]
            for route, template in ROUTES.items():
                path = template.format(dag=f"flexlake__{tenant}", version=oldest)
                got[who, tenant, route] = fab_server.get(who, path).status_code
                expected[who, tenant, route] = _expected_portal(who, tenant)
        for page in ("tenants", "audit"):  # every user's own selection of tenants
            got[who, "-", page] = fab_server.get(who, f"/flexlake/{page}").status_code
            expected[who, "-", page] = 401 if who == "anonymous" else 200
    wrong = {key: (got[key], expected[key]) for key in got if got[key] != expected[key]}
    assert not wrong, f"(who, tenant, route): (got, expected): {wrong}"


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_a_tenant_user_reads_nothing_of_the_other_tenant(fab_server: FabServer, who: str) -> None:
    """Every page a tenant user gets names their tenant only: docs, runs, versions, the Tenants page."""
    own = USER_TENANT[who]
    other = next(tenant for tenant in TENANTS if tenant != own)
    pages = {
        "tenants": fab_server.get(who, "/flexlake/tenants").text,
        "catalog": fab_server.get(who, f"/flexlake/dags/flexlake__{own}/catalog").text,
        "docs": fab_server.get(who, f"/flexlake/dags/flexlake__{own}/catalog/{fab_server.versions[own][-1]}/docs").text,
        "runs": fab_server.get(who, f"/flexlake/dags/flexlake__{own}/runs").text,
    }
    assert docs_marker(own) in pages["docs"]
    assert own in pages["tenants"] and own in pages["runs"]
    for name, text in pages.items():
        assert other not in text and TENANTS[other] not in text, f"{who}'s {name} page shows {other}"
        assert all(version not in text for version in fab_server.versions[other]), f"{who}'s {name}: {other}'s version"
    assert BROKEN_FILE not in pages["tenants"], "a broken file of no tenant of the user's is an operator's matter"


def test_path_tricks_on_the_own_tenant_reach_nothing_else(fab_server: FabServer) -> None:
    """Another tenant's version, traversal, `latest` and unserved files through alpha's own routes: all 404."""
    beta_version = fab_server.versions["beta_shop"][0]
    tricks = [
        f"/flexlake/dags/flexlake__alpha_shop/catalog/{beta_version}/docs",
        f"/flexlake/dags/flexlake__alpha_shop/catalog?version={beta_version}",
        "/flexlake/dags/flexlake__alpha_shop/catalog?version=../beta_shop/latest",
        "/flexlake/dags/flexlake__alpha_shop/catalog/..%2Fbeta_shop%2Flatest/docs",
        "/flexlake/dags/flexlake__alpha_shop/catalog/latest/docs",
        f"/flexlake/dags/flexlake__alpha_shop/catalog/{fab_server.versions['alpha_shop'][0]}%2Fmanifest.json/docs",
    ]
    answers = {trick: fab_server.get("alpha", trick) for trick in tricks}
    assert {trick: r.status_code for trick, r in answers.items()} == dict.fromkeys(tricks, 404)
    assert not any(docs_marker("beta_shop") in r.text or "manifest of" in r.text for r in answers.values())


def test_the_admin_sees_every_tenant_and_the_broken_file(fab_server: FabServer) -> None:
    """The Tenants page of an operator lists both tenants with tier and warehouse, and the invalid file's error."""
    text = fab_server.get("admin", "/flexlake/tenants").text
    assert all(tenant in text for tenant in TENANTS), text
    assert "starter" in text and "duckdb" in text
    assert BROKEN_FILE in text and "stream" in text, "the loader's problem for the invalid file is shown"


def test_the_docs_run_sandboxed(fab_server: FabServer) -> None:
    """A tenant's dbt docs (scripts, text the tenant wrote) are served with a CSP sandbox: no cookie, no API."""
    response = fab_server.get(
        "alpha", f"/flexlake/dags/flexlake__alpha_shop/catalog/{fab_server.versions['alpha_shop'][0]}/docs"
    )
    policy = response.headers["content-security-policy"]
    assert policy.startswith("sandbox allow-scripts;") and "allow-same-origin" not in policy


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Debian chromium for the module's browser tests."""
    chromium = _chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _logged_in(browser: Browser, fab_server: FabServer, who: str) -> Page:
    """A fresh browser session signed in through FAB's login form (which sets the UI's `_token` cookie)."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(f"{fab_server.base_url}/auth/login/")
    page.fill("input[name=username]", USERNAMES[who])
    page.fill("input[name=password]", fab_server.passwords[who])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url, timeout=30_000)
    return page


def test_a_tenant_user_sees_only_their_pipeline_and_portal_in_a_browser(
    fab_server: FabServer, browser: Browser, tmp_path: Path
) -> None:
    """Alpha's user: the DAG list shows alpha only; its catalog docs and runs show, beta's portal page is refused."""
    page = _logged_in(browser, fab_server, "alpha")
    shots = []
    page.goto(f"{fab_server.base_url}/dags")
    page.get_by_text("Alpha Shop").first.wait_for(timeout=30_000)
    shots.append(_shot(page, tmp_path, "tenant_dag_list"))
    assert page.get_by_text("Beta Shop").count() == 0, "alpha's DAG list shows beta's DAG"
    page.goto(f"{fab_server.base_url}/flexlake/dags/flexlake__alpha_shop/catalog")
    page.frame_locator("iframe").first.get_by_text(docs_marker("alpha_shop")).wait_for(timeout=30_000)
    assert page.locator("select[name=version] option").count() == len(fab_server.versions["alpha_shop"])
    shots.append(_shot(page, tmp_path, "tenant_catalog"))
    page.goto(f"{fab_server.base_url}/flexlake/dags/flexlake__alpha_shop/runs")
    page.get_by_text("Runs of alpha_shop").wait_for(timeout=30_000)
    assert page.get_by_text("shop.users: 150").count() == 1 and page.locator("svg rect").count() == 2
    shots.append(_shot(page, tmp_path, "tenant_runs"))
    refused = page.goto(f"{fab_server.base_url}/flexlake/dags/flexlake__beta_shop/runs")
    assert refused is not None and refused.status == 403 and "Beta" not in page.content()
    _keep_artifacts(shots)


def test_the_catalog_and_runs_tabs_show_on_a_tenant_dag_page(
    fab_server: FabServer, browser: Browser, tmp_path: Path
) -> None:
    """The Catalog and Run history tabs of the DAG page, as the tenant's own user: their iframes authenticate with
    the UI's cookie (the UI lists plugin tabs from /api/v2/plugins, which tenant roles may read: access/roles.py)."""
    page = _logged_in(browser, fab_server, "alpha")
    page.goto(f"{fab_server.base_url}/dags/flexlake__alpha_shop")
    page.get_by_text("Catalog", exact=True).first.click()
    tab = page.frame_locator("iframe").first
    tab.frame_locator("iframe").first.get_by_text(docs_marker("alpha_shop")).wait_for(timeout=30_000)
    shots = [_shot(page, tmp_path, "catalog_tab")]
    page.get_by_text("Run history", exact=True).first.click()
    page.frame_locator("iframe").first.get_by_text("Runs of alpha_shop").wait_for(timeout=30_000)
    shots.append(_shot(page, tmp_path, "runs_tab"))
    _keep_artifacts(shots)


def test_a_tenant_user_may_list_the_plugin_tabs(fab_server: FabServer) -> None:
    """The UI shows the Catalog, Run history and SQL console tabs only to users who may read /api/v2/plugins."""
    response = fab_server.get("alpha", "/api/v2/plugins")
    assert response.status_code == 200
    views = {view["name"]: view["href"] for plugin in response.json()["plugins"] for view in plugin["external_views"]}
    assert views["SQL console"] == "/flexlake/dags/{DAG_ID}/console", views
    assert views["SQL console audit"] == "/flexlake/audit", views
    assert {"Catalog", "Run history", "Tenants"} <= set(views), views


def _shot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"portal_{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _keep_artifacts(shots: list[Path]) -> None:
    """On CI, the screenshots outlive the tmp folder: test-artifacts/portal/ (uploaded by the CI job)."""
    if os.environ.get("CI") != "true":
        return
    target = PROJECT_ROOT / "test-artifacts" / "portal"
    target.mkdir(parents=True, exist_ok=True)
    for shot in shots:
        shutil.copy2(shot, target / shot.name)


def _chromium() -> str:
    """Debian's chromium: installed here when missing and running as root (CI, sessions), else a skip saying how."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    if os.geteuid() != 0:
        pytest.skip(f"Debian's chromium is missing: sudo {' '.join(command)} (or scripts/bootstrap.sh as root)")
    installed = subprocess.run(command, capture_output=True, text=True, check=False)
    if installed.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=False)
        installed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert installed.returncode == 0, f"{' '.join(command)} failed:\n{installed.stdout}\n{installed.stderr}"
    return CHROMIUM


# ----- The SQL console (enterprise tier) --------------------------------------------------------------------------

WRITES = [
    "insert into dim_customers values (9, 'x')",
    "update dim_customers set name = 'x'",
    "delete from dim_customers",
    "truncate dim_customers",
    "drop table dim_customers",
    "create table beta_shop_marts.mine (id int)",
    "create table public.mine (id int)",
    "create temporary table mine (id int)",
    "create schema mine",
]


@pytest.mark.parametrize("statement", WRITES)
def test_the_pg_reader_role_itself_refuses_writes_and_ddl(
    pg_readers: dict[str, ReaderConnection], postgres_server: PostgresServer, statement: str
) -> None:
    """Through the console's own PostgreSQL path (no statement filter): PostgreSQL refuses, the mart is unchanged."""
    with pytest.raises(StatementFailed, match=r"permission denied|must be owner"):
        run_postgres(_reader(pg_readers["beta_shop"]), statement, CONSOLE_LIMITS)
    assert postgres_server.fetch("select count(*) from beta_shop_marts.dim_customers") == [(5,)]


def test_a_tenants_reader_cannot_read_another_tenants_marts(pg_readers: dict[str, ReaderConnection]) -> None:
    """Each reader reads its own marts unqualified (its search_path) and is refused the other tenant's schema."""
    for own, other in (("beta_shop", "delta_shop"), ("delta_shop", "beta_shop")):
        reader = _reader(pg_readers[own])
        mine = run_postgres(reader, "select name from dim_customers order by customer_id", CONSOLE_LIMITS)
        assert mine.rows[0] == (f"{own} customer 1",)
        with pytest.raises(StatementFailed, match="permission denied"):
            run_postgres(reader, f"select * from {other}_marts.dim_customers", CONSOLE_LIMITS)


def test_pg_statements_stop_at_the_timeout_and_the_row_limit(pg_readers: dict[str, ReaderConnection]) -> None:
    """statement_timeout cancels a long query; one that turns the timeout off is cancelled by the console itself."""
    reader = _reader(pg_readers["beta_shop"])
    limits = ConsoleLimits(timeout_seconds=0.5, max_rows=3)
    for statement in ("select pg_sleep(30)", "set statement_timeout = 0; select pg_sleep(30)"):
        started = time.monotonic()
        with pytest.raises(StatementTimedOut):
            run_postgres(reader, statement, limits)
        assert time.monotonic() - started < 10, statement
    cut = run_postgres(reader, "select g from generate_series(1, 10) g", limits)
    assert (len(cut.rows), cut.truncated) == (3, True)
    assert run_postgres(reader, "show statement_timeout", limits).rows == (("500ms",),), "set on the reader session"


def test_the_sql_console_through_the_api_server(fab_server: FabServer, postgres_server: PostgresServer) -> None:
    """Beta's user queries, downloads CSV and is refused a write by PostgreSQL; alpha's user is refused beta's
    console (auth manager) and their own (starter tier, with the reason); a cookie-only POST from another origin is
    refused; every statement that ran is in beta's audit log on s3 with user, statement, rows and outcome."""
    console = "/flexlake/dags/flexlake__beta_shop/console"
    select = {"statement": "select customer_id, name from dim_customers order by 1"}
    with fab_server.client("beta") as bob:
        form = bob.get(console)
        ran = bob.post(console, data=select)
        csv = bob.post(console, data={**select, "format": "csv"})
        write = bob.post(console, data={"statement": WRITES[0]})
    assert form.status_code == 200 and "<textarea" in form.text
    assert ran.status_code == 200 and "beta_shop customer 5" in ran.text, ran.text
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    assert csv.text.splitlines()[:2] == ["customer_id,name", "1,beta_shop customer 1"]
    assert write.status_code == 400 and "permission denied" in write.text, write.text
    assert postgres_server.fetch("select count(*) from beta_shop_marts.dim_customers") == [(5,)]
    with fab_server.client("alpha") as alice:
        cross = (alice.get(console).status_code, alice.post(console, data={"statement": "select 1"}).status_code)
        own_tier = alice.get("/flexlake/dags/flexlake__alpha_shop/console")
    assert cross == (403, 403)
    assert own_tier.status_code == 403 and "enterprise tier; alpha_shop is on the starter tier" in own_tier.text
    assert 'href="console"' in fab_server.get("beta", "/flexlake/dags/flexlake__beta_shop/runs").text
    assert 'href="console"' not in fab_server.get("alpha", "/flexlake/dags/flexlake__alpha_shop/runs").text
    cookie = {"_token": str(fab_server.tokens["beta"])}
    forged = httpx.post(fab_server.base_url + console, data={"statement": "select 1"}, cookies=cookie, timeout=30)
    same_origin = httpx.post(
        fab_server.base_url + console,
        data={"statement": "select 1"},
        cookies=cookie,
        headers={"Origin": fab_server.base_url},
        timeout=30,
    )
    assert forged.status_code == 403 and "same origin" in forged.text, forged.text
    assert same_origin.status_code == 200, same_origin.text
    records = read_records(catalog_root(f"s3://{CATALOG_BUCKET}/catalog", "beta_shop", CATALOG_CONN_ID))
    assert [(r["user"], r["statement"], r["outcome"], r["rows"]) for r in records] == [
        ("bob", select["statement"], "ok", 5),
        ("bob", select["statement"], "ok", 5),
        ("bob", WRITES[0], "failed", 0),
        ("bob", "select 1", "ok", 1),
    ]
    assert all(r["tenant_id"] == "beta_shop" and r["at"] for r in records)


def test_the_console_form_runs_in_a_browser(fab_server: FabServer, browser: Browser, tmp_path: Path) -> None:
    """Beta's user signed in on FAB's form: the console's own form (the UI's cookie, same origin) runs a query."""
    page = _logged_in(browser, fab_server, "beta")
    page.goto(f"{fab_server.base_url}/flexlake/dags/flexlake__beta_shop/console")
    page.fill("textarea[name=statement]", "select customer_id, name from dim_customers order by customer_id")
    page.click("button[value=html]")
    page.get_by_text("beta_shop customer 5").wait_for(timeout=30_000)
    assert page.locator("table tbody tr").count() == 5
    _keep_artifacts([_shot(page, tmp_path, "sql_console")])


def test_the_audit_pages_show_each_user_only_their_tenants_statements(fab_server: FabServer) -> None:
    """After the console test: beta's audit page (bob, the admin) lists bob's statements with their outcome; the
    all-tenants page shows them to the admin with the tenant, and to alpha's user nothing of beta's."""
    statement = "select customer_id, name from dim_customers order by 1"
    own = fab_server.get("beta", "/flexlake/dags/flexlake__beta_shop/console/audit")
    assert own.status_code == 200 and statement in own.text and "bob" in own.text, own.text
    assert "permission denied" in own.text and '<span class="bad">failed</span>' in own.text
    everyone = fab_server.get("admin", "/flexlake/audit").text
    assert statement in everyone and "beta_shop" in everyone and "<th>Tenant</th>" in everyone
    alpha = fab_server.get("alpha", "/flexlake/audit").text
    assert statement not in alpha and "beta_shop" not in alpha and "bob" not in alpha, alpha
    assert 'href="console/audit"' in fab_server.get("beta", "/flexlake/dags/flexlake__beta_shop/console").text


def test_a_user_past_the_console_rate_limit_gets_429_and_when_to_retry(fab_server: FabServer) -> None:
    """The admin runs the api-server's limit of statements on beta's console; the next is refused with 429,
    Retry-After and the time in its text, runs nothing and is not audited; bob (another user) is not slowed."""
    console = "/flexlake/dags/flexlake__beta_shop/console"
    root = catalog_root(f"s3://{CATALOG_BUCKET}/catalog", "beta_shop", CATALOG_CONN_ID)
    root.fs.invalidate_cache()  # s3fs would answer this process's earlier listing (the api-server wrote since)
    before = len(read_records(root))
    with fab_server.client("admin") as admin:
        accepted = [
            admin.post(console, data={"statement": "select 1"}).status_code for _ in range(CONSOLE_RATE_STATEMENTS)
        ]
        refused = admin.post(console, data={"statement": "select 2"})
    assert accepted == [200] * CONSOLE_RATE_STATEMENTS
    assert refused.status_code == 429, refused.text
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert re.search(
        r"at most 6 statements per 600 s per user .*Try again in \d+ s \(at \d\d:\d\d:\d\d UTC\)", refused.text
    ), refused.text
    root.fs.invalidate_cache()
    assert len(read_records(root)) == before + CONSOLE_RATE_STATEMENTS, "the refused statement is not audited"
    with fab_server.client("beta") as bob:
        assert bob.post(console, data={"statement": "select 1"}).status_code == 200


# ----- Last: removes beta's tenant file ----------------------------------------------------------------------------


def test_sync_is_idempotent_and_removes_the_role_of_a_removed_tenant(fab_server: FabServer) -> None:
    """A second sync changes nothing for a kept tenant and deletes the role of a tenant whose file is gone."""
    (fab_server.tenants_dir / "beta_shop.yaml").unlink()
    again = _run(["flexlake", "access", "sync"], fab_server.env)
    assert "unchanged: tenant_alpha_shop" in again, again
    assert "removed: tenant_beta_shop" in again, again
    with fab_server.client("admin") as admin:  # FAB's own REST API for roles
        assert admin.get("/auth/fab/v1/roles/tenant_alpha_shop").status_code == 200
        assert admin.get("/auth/fab/v1/roles/tenant_beta_shop").status_code == 404
