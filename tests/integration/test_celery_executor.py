"""The scale-out path for real: CeleryExecutor with Redis and two Celery workers on 127.0.0.1.

One stack for the module: Redis (Debian's redis-server, installed by the `redis_server` fixture when
missing) as the broker and result backend, and scripts/airflow_up.sh with AIRFLOW__CORE__EXECUTOR=
CeleryExecutor: api-server, scheduler, dag-processor, triggerer and two `airflow celery worker` processes
(flexlake-worker-1/-2, two task slots each). Two DuckDB tenants' DAGs are unpaused and triggered through
the REST API at the same moment. It proves that both runs succeed, that every task instance of both that went
to a worker ran on a Celery worker (its `hostname`, cross-checked against the workloads each worker's log
received) and the others are model report tasks ended in the triggerer, that both workers took tasks, and that
the two runs overlapped in time.
"""

import json
import logging
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.airflow_servers import (
    PROJECT_ROOT,
    AirflowStack,
    running_airflow_stack,
    wait_for_dag_listed,
)
from tests.integration.conftest import RedisServer

pytestmark = pytest.mark.integration

log = logging.getLogger(__name__)

WORKERS = ("flexlake-worker-1", "flexlake-worker-2")
STARTER_TENANT = "bluebird_books"
# A second starter tenant: the first's file under another id, with fewer fake rows.
SECOND_TENANT = "harbor_hats"
SECOND_TENANT_FAKER_OPTIONS = "{count: 100, seed: 11}"
# The executor is under test, not the data product: a DuckDB tenant runs its tasks one at a time, ~10-30 s
# each here (mostly task process and dbt start-up), and the starter graph has 85 tasks (50 without core and
# marts). Both tenants build only staging and seeds: 14 tasks (sync, dbt runs, seeds, tests, publish_catalog).
EXCLUDE_MODELS = ("path:models/input_layer", "path:models/core", "path:models/marts")
RUN_TIMEOUT_SECONDS = 900
LISTED_TIMEOUT_SECONDS = 180
# The celery worker logs one line per workload it takes; the task instance's id is in it.
_WORKLOAD_LINE = re.compile(r"Executing workload in Celery: .*?\bid=UUID\('(?P<id>[0-9a-f-]+)'\)")


@dataclass(frozen=True)
class FinishedRun:
    dag_id: str
    dag_run_id: str
    state: str
    start_date: datetime
    end_date: datetime
    task_instances: list[Any]  # airflow_client TaskInstanceResponse


def _tenant_folder(root: Path) -> Path:
    """Only the two tenants of this test: bluebird_books and a smaller copy, both building staging only."""
    folder = root / "tenants_source"
    folder.mkdir()
    starter = (PROJECT_ROOT / "tenant_configs" / f"{STARTER_TENANT}.yaml").read_text()
    assert starter.rstrip().endswith("disabled_marts: [customers]"), starter
    starter = starter.rstrip() + f"\n  exclude_models: {json.dumps(list(EXCLUDE_MODELS))}\n"
    (folder / f"{STARTER_TENANT}.yaml").write_text(starter)
    second = starter.replace(f"tenant_id: {STARTER_TENANT}", f"tenant_id: {SECOND_TENANT}")
    second = second.replace("display_name: Bluebird Books", "display_name: Harbor Hats")
    second = re.sub(r"options: \{count: \d+, seed: \d+\}", f"options: {SECOND_TENANT_FAKER_OPTIONS}", second)
    assert f"tenant_id: {SECOND_TENANT}" in second and SECOND_TENANT_FAKER_OPTIONS in second, second
    (folder / f"{SECOND_TENANT}.yaml").write_text(second)
    return folder


@pytest.fixture(scope="module")
def celery_stack(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[AirflowStack]:
    """airflow_up.sh with the CeleryExecutor and two workers; the log tails are shown if a test failed."""
    root = tmp_path_factory.mktemp("celery_stack")
    # A private copy of the dbt project and its manifest: a re-parse of the shared include/dbt in the middle
    # of a run (another session, an editor) would change the DAGs' task lists under the runs.
    dbt_project = root / "dbt"
    shutil.copytree(PROJECT_ROOT / "include" / "dbt", dbt_project, ignore=shutil.ignore_patterns("logs"))
    celery_env = {
        "FLEXLAKE_DBT_PROJECT_DIR": str(dbt_project),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CELERY__BROKER_URL": redis_server.url(0),
        "AIRFLOW__CELERY__RESULT_BACKEND": redis_server.url(1),
        "FLEXLAKE_CELERY_WORKERS": str(len(WORKERS)),
        "FLEXLAKE_CELERY_CONCURRENCY": "2",
        "FLEXLAKE_TASK_RETRIES": "0",  # a failure shows at once instead of hiding behind a retry
    }
    failed_before = request.session.testsfailed
    with running_airflow_stack(root, tenant_configs_source=_tenant_folder(root), extra_env=celery_env) as stack:
        log.info("Celery stack healthy (2 workers ready) after %.1f s", stack.ready_seconds)
        yield stack
        if request.session.testsfailed > failed_before:
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"\nAirflow stack logs (a test failed):\n{stack.log_tails(60)}")


def _state(value: Any) -> str:
    return str(getattr(value, "value", value))


def _trigger_together_and_wait(stack: AirflowStack, dag_ids: list[str], timeout: float) -> list[FinishedRun]:
    """Unpause every DAG, trigger one run of each back to back, then poll until all have finished."""
    from airflow_client.client import (  # noqa: PLC0415
        DAGApi,
        DAGPatchBody,
        DagRunApi,
        TaskInstanceApi,
        TriggerDAGRunPostBody,
    )

    with stack.api_client() as client:
        for dag_id in dag_ids:
            DAGApi(client).patch_dag(dag_id, DAGPatchBody(is_paused=False))
        runs = DagRunApi(client)
        triggered_at = time.monotonic()
        trigger = TriggerDAGRunPostBody(logical_date=None)
        run_ids = {dag_id: runs.trigger_dag_run(dag_id, trigger).dag_run_id for dag_id in dag_ids}
        finished: dict[str, Any] = {}
        while len(finished) < len(dag_ids):
            if time.monotonic() - triggered_at > timeout:
                raise AssertionError(
                    f"runs still going after {timeout:.0f} s: {sorted(set(dag_ids) - set(finished))}\n"
                    f"{stack.log_tails()}"
                )
            time.sleep(3)
            for dag_id in dag_ids:
                if dag_id not in finished:
                    run = runs.get_dag_run(dag_id, run_ids[dag_id])
                    if _state(run.state) in {"success", "failed"}:
                        finished[dag_id] = run
                        log.info("%s %s after %.1f s", dag_id, _state(run.state), time.monotonic() - triggered_at)
        instances = TaskInstanceApi(client)
        return [
            FinishedRun(
                dag_id=dag_id,
                dag_run_id=run.dag_run_id,
                state=_state(run.state),
                start_date=run.start_date,
                end_date=run.end_date,
                task_instances=instances.get_task_instances(dag_id, run.dag_run_id, limit=1000).task_instances,
            )
            for dag_id, run in finished.items()
        ]


def _workloads_per_worker(stack: AirflowStack) -> dict[str, set[str]]:
    """Task instance ids each Celery worker's log says it received, keyed by worker name."""
    received = {}
    for path in stack.celery_worker_logs():
        worker = path.stem.replace("celery-worker-", "flexlake-worker-")
        received[worker] = {match["id"] for match in _WORKLOAD_LINE.finditer(path.read_text(errors="replace"))}
    return received


def test_two_tenants_run_concurrently_on_two_celery_workers_and_both_succeed(celery_stack: AirflowStack) -> None:
    """Both tenants' runs succeed, every task ran on a flexlake Celery worker, both workers worked, runs overlap."""
    dag_ids = [f"flexlake__{STARTER_TENANT}", f"flexlake__{SECOND_TENANT}"]
    for dag_id in dag_ids:
        wait_for_dag_listed(celery_stack, dag_id, timeout=LISTED_TIMEOUT_SECONDS)

    started = time.monotonic()
    runs = _trigger_together_and_wait(celery_stack, dag_ids, timeout=RUN_TIMEOUT_SECONDS)
    log.info("both runs finished %.1f s after the triggers", time.monotonic() - started)

    for run in runs:
        states = {ti.task_id: _state(ti.state) for ti in run.task_instances}
        assert run.state == "success", f"{run.dag_id} ended {run.state}: {states}\n{celery_stack.log_tails()}"
        assert states and set(states.values()) == {"success"}, f"{run.dag_id}: not all tasks succeeded: {states}"
        # A green model's report task ends in the triggerer (dag_factory/dbt_reports.py): never queued, no host.
        in_triggerer = {ti.task_id for ti in run.task_instances if ti.queued_when is None}
        assert all(task_id.startswith("dbt_transform.") for task_id in in_triggerer), in_triggerer
        assert not any(ti.hostname for ti in run.task_instances if ti.task_id in in_triggerer), in_triggerer
        hosts = Counter(ti.hostname for ti in run.task_instances if ti.task_id not in in_triggerer)
        log.info(
            "%s: %d tasks in %.1f s, per worker %s",
            run.dag_id,
            len(states),
            (run.end_date - run.start_date).total_seconds(),
            dict(sorted(hosts.items())),
        )
        assert set(hosts) <= set(WORKERS), f"{run.dag_id}: tasks ran on {dict(hosts)}, not only on {WORKERS}"

    # The hostname a task instance reports is the worker that really ran it: each worker's own log lists
    # exactly the task instances of these runs that carry its name. (Only these runs': the DAGs are unpaused, so a
    # schedule tick passing during the test adds a scheduled run, whose tasks the workers also receive.)
    ours = {str(ti.id) for run in runs for ti in run.task_instances}
    received = {worker: ids & ours for worker, ids in _workloads_per_worker(celery_stack).items()}
    for worker in WORKERS:
        reported = {str(ti.id) for run in runs for ti in run.task_instances if ti.hostname == worker}
        assert received.get(worker) == reported, (
            f"{worker}: its log received {sorted(received.get(worker, ()))}, the API says it ran {sorted(reported)}"
        )
    overall = Counter(ti.hostname for run in runs for ti in run.task_instances if ti.hostname)
    assert set(overall) == set(WORKERS), f"not every worker took tasks: {dict(overall)}"

    first, second = runs
    assert first.start_date < second.end_date and second.start_date < first.end_date, (
        f"runs did not overlap: {first.dag_id} {first.start_date}..{first.end_date}, "
        f"{second.dag_id} {second.start_date}..{second.end_date}"
    )
    overlap = min(first.end_date, second.end_date) - max(first.start_date, second.start_date)
    log.info("runs overlapped for %.1f s; tasks per worker overall %s", overlap.total_seconds(), dict(overall))
