"""The real Airflow 3.3 stack for integration tests and benchmarks, started by `scripts/airflow_up.sh`.

`make up` runs the same script, so a passing test proves what a user gets. `running_airflow_stack()`
starts it on a free port with its own Airflow home, data folder and copy of tenant_configs/, waits until
the API reports every component healthy, and always stops it: SIGINT to the script (which stops each
component with SIGINT and waits), then SIGKILL for anything left in the script's session. With
`extra_env` selecting the CeleryExecutor (broker, result backend, FLEXLAKE_CELERY_WORKERS) the script
also starts Celery workers and is ready only once each has logged "ready."; their logs join the tails.

While the stack runs, a thread samples the resident memory of the dag-processor and its children every
0.5 s, so benchmarks can report the peak parse memory.
"""

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UP_SCRIPT = PROJECT_ROOT / "scripts" / "airflow_up.sh"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
# The fixed dev login airflow_up.sh writes into SimpleAuthManager's passwords file.
ADMIN_USER = "admin"
ADMIN_PASSWORD = "admin"
RSS_SAMPLE_SECONDS = 0.5
# airflow_up.sh waits FLEXLAKE_STOP_TIMEOUT for a clean stop; we give it that plus margin before SIGKILL.
STOP_TIMEOUT_SECONDS = 30
_COMPONENT_COMMAND_MARKERS = {
    "api-server": "api_server",  # uvicorn renames the process "airflow api_server -- host:... port:..."
    "scheduler": "airflow scheduler",
    "dag-processor": "airflow dag-processor",
    "triggerer": "airflow triggerer",
}


class AirflowStackError(RuntimeError):
    """The stack did not start, or a call against it failed; the message carries the components' log tails."""


@dataclass
class _RssSampler:
    """Peak RSS (bytes) of one component's process tree, sampled in a daemon thread."""

    find_process: Callable[[], psutil.Process | None]
    peak_bytes: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(RSS_SAMPLE_SECONDS):
            process = self.find_process()
            if process is None:
                continue
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(process))
            self.samples += 1


def tree_rss_bytes(process: psutil.Process) -> int:
    total = 0
    with contextlib.suppress(psutil.Error):
        for member in [process, *process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += member.memory_info().rss
    return total


@dataclass
class AirflowStack:
    """A running stack: where it listens, where its files are, and helpers to talk to it."""

    process: subprocess.Popen[bytes]
    port: int
    root: Path
    airflow_home: Path
    data_dir: Path
    tenant_configs_dir: Path
    started_at: float
    ready_seconds: float = 0.0
    dag_processor_rss: _RssSampler | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.airflow_home / "logs" / "components"

    @property
    def script_output(self) -> Path:
        return self.root / "airflow_up.out"

    def access_token(self) -> str:
        """A JWT from `POST /auth/token` (the official client has no call for this endpoint)."""
        body = _http_json("POST", f"{self.base_url}/auth/token", {"username": ADMIN_USER, "password": ADMIN_PASSWORD})
        token: str = body["access_token"]
        return token

    def api_client(self) -> Any:
        """An `airflow_client.client.ApiClient` logged in as admin (a fresh token each call)."""
        import airflow_client.client  # noqa: PLC0415 - only the REST tests need the client

        configuration = airflow_client.client.Configuration(host=self.base_url, access_token=self.access_token())
        return airflow_client.client.ApiClient(configuration)

    def component_process(self, name: str) -> psutil.Process | None:
        """The main process of one component (api-server, scheduler, dag-processor, triggerer), if alive."""
        marker = _COMPONENT_COMMAND_MARKERS[name]
        with contextlib.suppress(psutil.Error):
            for child in psutil.Process(self.process.pid).children(recursive=False):
                with contextlib.suppress(psutil.Error):
                    if marker in " ".join(child.cmdline()):
                        return child
        return None

    def celery_worker_logs(self) -> list[Path]:
        """The log file of each Celery worker (celery-worker-N.log; none under LocalExecutor)."""
        return sorted(self.log_dir.glob("celery-worker-*.log"))

    def log_tails(self, lines: int = 40) -> str:
        """The last lines of the script's output and of each component's log, for failure messages."""
        parts = []
        components = [self.log_dir / f"{name}.log" for name in COMPONENTS]
        for path in [self.script_output, *components, *self.celery_worker_logs()]:
            text = path.read_text(errors="replace") if path.exists() else "(no file)"
            tail = "\n".join(text.splitlines()[-lines:])
            parts.append(f"----- {path} (last {lines} lines) -----\n{tail}")
        return "\n".join(parts)


def _http_json(method: str, url: str, payload: Mapping[str, Any] | None = None, timeout: float = 10) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _restore_default_sigint() -> None:
    """A parent started in the background ignores SIGINT, and a trap cannot catch an inherited ignore."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _is_healthy(base_url: str) -> bool:
    try:
        health = _http_json("GET", f"{base_url}/api/v2/monitor/health", timeout=3)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return all(part.get("status") == "healthy" for part in health.values())


def _wait_until_healthy(stack: AirflowStack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise AirflowStackError(
                f"airflow_up.sh exited ({stack.process.returncode}) before the API was healthy\n{stack.log_tails()}"
            )
        if _is_healthy(stack.base_url):
            return
        time.sleep(0.5)
    raise AirflowStackError(f"the API was not healthy after {timeout:.0f} s\n{stack.log_tails()}")


def _wait_until_every_tenant_file_is_listed(stack: AirflowStack, timeout: float) -> None:
    """Healthy is not ready: the dag-processor's first parse can end after the health check passes (the FAB
    start-up made that the usual order). Every tenant file becomes a DAG (a valid one, or its error DAG)."""
    files = [path for path in stack.tenant_configs_dir.glob("*.yaml") if not path.name.startswith(("_", "."))]
    deadline = time.monotonic() + timeout
    while len(list_dag_ids(stack)) < len(files):
        if time.monotonic() > deadline:
            listed = sorted(list_dag_ids(stack))
            raise AirflowStackError(f"{len(files)} tenant files, DAGs listed after {timeout:.0f} s: {listed}")
        time.sleep(0.5)


def _session_processes(session_id: int) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getsid(process.pid) == session_id:
                found.append(process)
    return found


def _stop(stack: AirflowStack) -> None:
    """SIGINT to the script (it stops every component and waits), then SIGKILL whatever is left."""
    session_id = stack.process.pid  # start_new_session: the script leads its own session
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout=STOP_TIMEOUT_SECONDS + 15)
        except subprocess.TimeoutExpired:
            log.error("airflow_up.sh did not stop within %s s: killing it", STOP_TIMEOUT_SECONDS + 15)
    leftovers = _session_processes(session_id)
    for process in leftovers:
        with contextlib.suppress(psutil.Error):
            process.kill()
    if leftovers:
        log.error("killed %d process(es) left behind: %s", len(leftovers), [p.pid for p in leftovers])
    with contextlib.suppress(subprocess.TimeoutExpired):
        stack.process.wait(timeout=10)


@contextlib.contextmanager
def running_airflow_stack(
    root: Path,
    *,
    tenant_configs_source: Path = PROJECT_ROOT / "tenant_configs",
    extra_env: Mapping[str, str] | None = None,
    ready_timeout: float = 240,
) -> Iterator[AirflowStack]:
    """Start scripts/airflow_up.sh under `root` (Airflow home, data, tenant copy) and stop it on exit."""
    tenant_configs_dir = root / "tenant_configs"
    shutil.copytree(tenant_configs_source, tenant_configs_dir)
    data_dir = root / "data"
    airflow_home = data_dir / "airflow_home"
    port = _free_port()
    environment = {
        **os.environ,
        "FLEXLAKE_DATA_DIR": str(data_dir),
        "AIRFLOW_HOME": str(airflow_home),
        "FLEXLAKE_TENANT_CONFIGS_DIR": str(tenant_configs_dir),
        "FLEXLAKE_API_PORT": str(port),
        "FLEXLAKE_STOP_TIMEOUT": str(STOP_TIMEOUT_SECONDS),
        # The log servers bind 8793/8794 by default: another stack on this machine may hold them.
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
        **(extra_env or {}),
    }
    root.mkdir(parents=True, exist_ok=True)
    output = (root / "airflow_up.out").open("wb")
    started_at = time.monotonic()
    process = subprocess.Popen(
        ["bash", str(UP_SCRIPT)],
        cwd=PROJECT_ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # own session: teardown can find every process it started
        preexec_fn=_restore_default_sigint,  # noqa: PLW1509 - no threads run Python code in the child
    )
    stack = AirflowStack(
        process=process,
        port=port,
        root=root,
        airflow_home=airflow_home,
        data_dir=data_dir,
        tenant_configs_dir=tenant_configs_dir,
        started_at=started_at,
    )
    stack.dag_processor_rss = _RssSampler(find_process=lambda: stack.component_process("dag-processor"))
    stack.dag_processor_rss.start()
    try:
        _wait_until_healthy(stack, ready_timeout)
        _wait_until_every_tenant_file_is_listed(stack, ready_timeout)
        stack.ready_seconds = time.monotonic() - started_at
        log.info("Airflow stack on %s healthy after %.1f s", stack.base_url, stack.ready_seconds)
        yield stack
    finally:
        stack.dag_processor_rss.stop()
        _stop(stack)
        output.close()


# ----- Calls the tests and the benchmark share ------------------------------------------------------------


def list_dag_ids(stack: AirflowStack) -> set[str]:
    """Every DAG id the API lists (exclude stale)."""
    from airflow_client.client import DAGApi  # noqa: PLC0415

    with stack.api_client() as client:
        response = DAGApi(client).get_dags(limit=1000, exclude_stale=True)
    return {dag.dag_id for dag in response.dags}


def dag_is_served(stack: AirflowStack, dag_id: str) -> bool:
    """Whether the API serves `dag_id`'s details, which (like a trigger) need its serialized DAG.

    Listed is not enough: with the FAB auth manager the dag-processor's per-DAG permission sync commits its
    session part-way through a parse, so a new DAG's `dag` row can be visible a moment before its serialized
    DAG, and a trigger in that window gets 404 "The Dag with ID ... was not found" (CI, 2026-12-07)."""
    from airflow_client.client import DAGApi  # noqa: PLC0415
    from airflow_client.client.exceptions import NotFoundException  # noqa: PLC0415

    with stack.api_client() as client:
        try:
            DAGApi(client).get_dag_details(dag_id)
        except NotFoundException:
            return False
    return True


def wait_for_dag_listed(stack: AirflowStack, dag_id: str, timeout: float, poll: float = 1.0) -> float:
    """Seconds until the API lists `dag_id` and serves it (measured from the call); raises after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if dag_id in list_dag_ids(stack) and dag_is_served(stack, dag_id):
            return time.monotonic() - started
        time.sleep(poll)
    raise AirflowStackError(f"{dag_id} not listed after {timeout:.0f} s\n{stack.log_tails()}")


@dataclass(frozen=True)
class FinishedRun:
    dag_run_id: str
    state: str
    trigger_to_end_seconds: float
    run_seconds: float | None  # the run's own start_date -> end_date, as Airflow recorded it
    task_states: dict[str, str]
    try_numbers: dict[str, int]  # each task's attempt (a cleared task that ran before counts up)


def all_task_instances(api: Any, dag_id: str, dag_run_id: str) -> list[Any]:
    """Every task instance of a run, page by page: the API server caps a page at [api] maximum_page_limit
    (100 by default) whatever `limit` asks, and a tenant run has more tasks than that."""
    instances: list[Any] = []
    while True:
        page = api.get_task_instances(dag_id, dag_run_id, limit=100, offset=len(instances))
        instances.extend(page.task_instances)
        if not page.task_instances or len(instances) >= page.total_entries:
            return instances


def unpause_and_trigger(stack: AirflowStack, dag_id: str, conf: dict[str, Any] | None = None) -> str:
    """Unpause `dag_id` and trigger a manual run (logical_date null, optional conf); its run id. The caller waits
    (wait_for_run), so several tenants' runs can overlap as they do in production."""
    from airflow_client.client import DAGApi, DAGPatchBody, DagRunApi, TriggerDAGRunPostBody  # noqa: PLC0415

    with stack.api_client() as client:
        DAGApi(client).patch_dag(dag_id, DAGPatchBody(is_paused=False))
        run = DagRunApi(client).trigger_dag_run(dag_id, TriggerDAGRunPostBody(logical_date=None, conf=conf))
    return str(run.dag_run_id)


def unpause_trigger_and_wait(
    stack: AirflowStack, dag_id: str, timeout: float, poll: float = 2.0, conf: dict[str, Any] | None = None
) -> FinishedRun:
    """Unpause `dag_id`, trigger a manual run (logical_date null, optional conf) and wait until it ends."""
    triggered_at = time.monotonic()
    dag_run_id = unpause_and_trigger(stack, dag_id, conf)
    return wait_for_run(stack, dag_id, dag_run_id, timeout, poll=poll, since=triggered_at)


def wait_for_run(
    stack: AirflowStack, dag_id: str, dag_run_id: str, timeout: float, *, poll: float = 2.0, since: float | None = None
) -> FinishedRun:
    """Poll a run (just triggered, or cleared) until it ends; `since` (monotonic) defaults to now."""
    from airflow_client.client import DagRunApi, TaskInstanceApi  # noqa: PLC0415

    started = time.monotonic() if since is None else since
    with stack.api_client() as client:  # one JWT is valid for 24 h ([api_auth] jwt_expiration_time)
        runs = DagRunApi(client)
        while _state((run := runs.get_dag_run(dag_id, dag_run_id)).state) not in {"success", "failed"}:
            if time.monotonic() - started > timeout:
                raise AirflowStackError(
                    f"{dag_id} run {dag_run_id} still {_state(run.state)} after {timeout:.0f} s\n{stack.log_tails()}"
                )
            time.sleep(poll)
        finished = time.monotonic() - started
        instances = all_task_instances(TaskInstanceApi(client), dag_id, dag_run_id)
    run_seconds = (run.end_date - run.start_date).total_seconds() if run.start_date and run.end_date else None
    return FinishedRun(
        dag_run_id=dag_run_id,
        state=_state(run.state),
        trigger_to_end_seconds=finished,
        run_seconds=run_seconds,
        task_states={instance.task_id: _state(instance.state) for instance in instances},
        try_numbers={instance.task_id: instance.try_number for instance in instances},
    )


def _state(value: Any) -> str:
    """The client returns enums (DagRunState, TaskInstanceState) or None; compare their string values."""
    return str(getattr(value, "value", value))


# ----- An S3-compatible store for s3:// catalogs -----------------------------------------------------------------

MOTO_CREDENTIALS = {"login": "testing", "password": "testing"}  # moto accepts any key; these are its documented ones


@dataclass(frozen=True)
class MotoS3:
    """moto's S3 in server mode on loopback, and the Airflow `aws` connection that reaches it."""

    endpoint_url: str
    bucket: str

    def connection_json(self) -> str:
        """An AIRFLOW_CONN_<ID> value: the amazon provider reads `endpoint_url` from the connection's extra."""
        extra = {"endpoint_url": self.endpoint_url, "region_name": "us-east-1"}
        return json.dumps({"conn_type": "aws", **MOTO_CREDENTIALS, "extra": extra})

    def client(self) -> Any:
        """A plain boto3 S3 client on the server (not the code under test)."""
        import boto3  # type: ignore[import-untyped]  # noqa: PLC0415 - only the s3 tests need it

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=MOTO_CREDENTIALS["login"],
            aws_secret_access_key=MOTO_CREDENTIALS["password"],
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key under `prefix`, read with boto3 directly."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


@contextlib.contextmanager
def moto_s3_server(bucket: str) -> Iterator[MotoS3]:
    """moto's ThreadedMotoServer on a free 127.0.0.1 port with one empty bucket; stopped on exit (~1 s to start)."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - a test-only dependency (requirements-dev)

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        store = MotoS3(f"http://127.0.0.1:{port}", bucket)
        store.client().create_bucket(Bucket=bucket)
        yield store
    finally:
        server.stop()
