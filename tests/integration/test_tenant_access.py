"""Per-tenant access through the real api-server with the FAB auth manager (issue 15 items 2 and 4, core REST).

One api-server for the module, no scheduler or dag-processor: two DuckDB tenants (alpha_shop, beta_shop) in a
temp tenants folder, `airflow db migrate`, `flexlake access sync --admin admin`, one user per tenant made by
`flexlake access add-user` (one password from stdin, one generated), `airflow dags reserialize` (the DAGs and
their access_control into the metadata DB, as the dag-processor would), then `airflow api-server`. Runs are
created by triggers and never executed: what is under test is who may do what, not the pipeline.

The matrix: anonymous / alpha's user / beta's user / admin x list DAGs, get DAG, trigger, task logs, clear task
instances, clear a run, task-group dry run, the UI's DAG list and grid and graph data: 401 without a token, 403 on
the other tenant's DAG for every call, only the tenant's own DAG listed. Comments name the upstream issue a check
guards against: #51325 / #51881 (a per-DAG user gets 403 or an empty list on the DAG list), #58985 (runs and task
instances invisible without the global DAGs permission), #62532 (task-group views 404 with per-DAG permissions).
Plain httpx, not apache-airflow-client: the matrix compares raw status codes (the client raises a different
exception class per code) and half of the calls are the UI's /ui routes, which the client does not cover.
"""

import contextlib
import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.airflow_servers import PROJECT_ROOT

pytestmark = pytest.mark.integration

TENANTS = ("alpha_shop", "beta_shop")
# Who is who in the matrix: each tenant user's tenant (admin and anonymous have none).
USER_TENANT = {"alpha": "alpha_shop", "beta": "beta_shop"}
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
MINIMAL_TENANT = PROJECT_ROOT / "tests" / "fixtures" / "tenant_configs" / "valid" / "minimal_tenant.yaml"
READY_TIMEOUT_SECONDS = 120
STOP_TIMEOUT_SECONDS = 20
# A task of every tenant DAG, and its dbt task group: the checks read and clear them on a triggered run.
TASK_ID = "provision_warehouse"
TASK_GROUP_ID = "dbt_transform"


def _dag_id(tenant: str) -> str:
    return f"flexlake__{tenant}"


@dataclass
class AccessServer:
    """The running api-server, the users' JWTs (None: anonymous) and a run per DAG made by the admin."""

    base_url: str
    tokens: dict[str, str | None]
    seed_runs: dict[str, str]
    env: dict[str, str]
    tenants_dir: Path

    def client(self, who: str) -> httpx.Client:
        token = self.tokens[who]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)


def _run(command: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """One CLI step of the set-up; its output in the failure message (never a password: none is logged)."""
    result = subprocess.run(
        command, env=env, input=stdin, capture_output=True, text=True, cwd=PROJECT_ROOT, check=False
    )
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def _write_tenants(folder: Path) -> None:
    """Two starter DuckDB tenants: the minimal valid tenant file under two ids."""
    folder.mkdir(parents=True)
    text = MINIMAL_TENANT.read_text()
    for tenant in TENANTS:
        (folder / f"{tenant}.yaml").write_text(text.replace("minimal_tenant", tenant))


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
def access_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AccessServer]:
    """Tenants, roles, users and DAGs in a fresh metadata DB, then one api-server with FAB."""
    root = tmp_path_factory.mktemp("tenant_access")
    _write_tenants(root / "tenants")
    port = _free_port()
    env = _environment(root, port)
    admin_password = secrets.token_urlsafe(12)
    alice_password = secrets.token_urlsafe(12)
    _run(["airflow", "db", "migrate"], env)
    synced = _run(
        ["flexlake", "access", "sync", "--admin", "admin"], {**env, "FLEXLAKE_ADMIN_PASSWORD": admin_password}
    )
    assert "created: tenant_alpha_shop, tenant_beta_shop" in synced, synced
    _run(["flexlake", "access", "add-user", "alpha_shop", "alice", "--password-stdin"], env, stdin=alice_password)
    created = _run(["flexlake", "access", "add-user", "beta_shop", "bob"], env)
    generated = re.search(r"password \(shown once, stored hashed\): (\S+)", created)
    assert generated, f"add-user without --password-stdin printed no password:\n{created}"
    _run(["airflow", "dags", "reserialize"], env)
    with _api_server(env, port, root / "api-server.log") as base_url:
        tokens: dict[str, str | None] = {
            "anonymous": None,
            "alpha": _token(base_url, "alice", alice_password),
            "beta": _token(base_url, "bob", generated.group(1)),
            "admin": _token(base_url, "admin", admin_password),
        }
        server = AccessServer(base_url, tokens, {}, env, root / "tenants")
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
def test_each_user_reaches_only_their_own_tenant_dag(access_server: AccessServer, call: str) -> None:
    """Every REST/UI call per user and tenant DAG: 401 anonymous, 403 cross-tenant, 200 own tenant and admin."""
    got: dict[tuple[str, str], int] = {}
    for who in access_server.tokens:
        with access_server.client(who) as client:
            for tenant in TENANTS:
                got[who, tenant] = CALLS[call](client, _dag_id(tenant), access_server.seed_runs[tenant]).status_code
    expected = {(who, tenant): _expected(who, tenant, call) for who, tenant in got}
    assert got == expected, f"{call}: got {got}, expected {expected}"


@pytest.mark.parametrize(
    ("who", "listed"), [("alpha", {"alpha_shop"}), ("beta", {"beta_shop"}), ("admin", set(TENANTS))]
)
def test_the_dag_lists_show_only_the_users_tenants(access_server: AccessServer, who: str, listed: set[str]) -> None:
    """The REST and UI DAG lists, and the cross-DAG run and task-instance lists, show only the user's tenants."""
    wanted = {_dag_id(tenant) for tenant in listed}
    with access_server.client(who) as client:
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


def test_anonymous_lists_nothing(access_server: AccessServer) -> None:
    """Without a token the DAG list is refused (no SimpleAuthManager-style open access)."""
    with access_server.client("anonymous") as client:
        assert client.get("/api/v2/dags").status_code == 401


def test_sync_is_idempotent_and_removes_the_role_of_a_removed_tenant(access_server: AccessServer) -> None:
    """A second sync changes nothing for a kept tenant and deletes the role of a tenant whose file is gone."""
    (access_server.tenants_dir / "beta_shop.yaml").unlink()
    again = _run(["flexlake", "access", "sync"], access_server.env)
    assert "unchanged: tenant_alpha_shop" in again, again
    assert "removed: tenant_beta_shop" in again, again
    with access_server.client("admin") as admin:  # FAB's own REST API for roles
        assert admin.get("/auth/fab/v1/roles/tenant_alpha_shop").status_code == 200
        assert admin.get("/auth/fab/v1/roles/tenant_beta_shop").status_code == 404
