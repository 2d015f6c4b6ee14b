"""What one tenant run did, as an alert tells it: the failed tasks with dbt's message, and the tests that warned.

A DAG-level callback gets one task instance in its context, not the run's: the run's task states and the build's
per-task reports (XCom `dbt_report__<task_id>` of task `dbt_build`, dag_factory/dbt_reports.py) are read through
the Task SDK, like any task reads them. In a deployment the callback runs in the dag-processor, whose supervisor
answers those reads; `airflow dags test` runs it in its own process without one, so there the reads go through
the in-process Execution API that `dag.test()` itself uses for triggers (supervisor.InProcessTestSupervisor).
"""

import json
import logging
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from flexlake.alerts.outcome import FailedTask, NodeProblem, RunOutcome
from flexlake.dag_factory.build_watch import BUILD_TASK_ID
from flexlake.dag_factory.dbt_reports import FAILED_STATUSES, report_key
from flexlake.freshness import freshness_breaches

log = logging.getLogger(__name__)

# The task group of the per-model report tasks (dag_factory/dbt_task_group.DBT_GROUP_ID; not imported: that
# module imports Cosmos, which a callback has no need to load).
DBT_GROUP_PREFIX = "dbt_transform."
FAILED_STATE = "failed"
UPSTREAM_FAILED_STATE = "upstream_failed"
WARN_STATUS = "warn"
SUMMARY_FILE = "summary.json"  # flexlake.catalog.publish writes it in each version folder


Report = Mapping[str, Any]


def summarize_run(
    dag_id: str, run_id: str, states: Mapping[str, str | None], reports: Mapping[str, Sequence[Report]]
) -> RunOutcome:
    """The outcome from the run's task states (task id -> state) and the reports read for its dbt tasks."""
    failed = tuple(
        FailedTask(task_id, _problems(reports.get(task_id, ()), FAILED_STATUSES))
        for task_id, state in sorted(states.items())
        if state == FAILED_STATE
    )
    warned = tuple(
        problem
        for task_id in sorted(reports)
        for problem in _problems(reports[task_id], frozenset({WARN_STATUS}))
        if problem.name
    )
    upstream_failed = sum(1 for state in states.values() if state == UPSTREAM_FAILED_STATE)
    return RunOutcome(dag_id, run_id, failed, upstream_failed, tuple(dict.fromkeys(warned)))


def _problems(reports: Sequence[Report], statuses: frozenset[str]) -> tuple[NodeProblem, ...]:
    return tuple(
        NodeProblem(str(report.get("name") or report.get("unique_id", "")), str(report["status"]), _message(report))
        for report in reports
        if report.get("status") in statuses
    )


def _message(report: Report) -> str:
    return " ".join(str(report.get("message") or "").split())


def read_run_outcome(dag_id: str, run_id: str, *, with_warnings: bool, freshness_of: str | None = None) -> RunOutcome:
    """Read the run's states and reports: the failed dbt tasks' reports, and every dbt task's for warnings; with
    `freshness_of` (the tenant id), the freshness its published summary recorded."""
    with _task_sdk_comms():
        states = _task_states(dag_id, run_id)
        dbt_tasks = [task_id for task_id in sorted(states) if task_id.startswith(DBT_GROUP_PREFIX)]
        wanted = dbt_tasks if with_warnings else [t for t in dbt_tasks if states[t] == FAILED_STATE]
        reports = {task_id: _report(dag_id, run_id, task_id) for task_id in wanted}
        freshness = read_run_freshness(freshness_of, run_id) if freshness_of else None
    outcome = summarize_run(dag_id, run_id, states, reports)
    return replace(outcome, freshness_breaches=freshness_breaches(freshness))


def read_run_freshness(tenant_id: str, run_id: str) -> Mapping[str, Any] | None:
    """The `freshness` of the summary this run published (flexlake.catalog: the version folder whose name ends
    with `__<run key>`); None when the run published none (a run that failed before publish_catalog).

    The summary, not a second warehouse read: the alert says what the run recorded, and costs no warehouse time.
    """
    from flexlake import settings  # noqa: PLC0415
    from flexlake.catalog import catalog_root, run_key  # noqa: PLC0415 (ObjectStoragePath: Airflow)

    root = catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID)
    try:
        suffix = f"__{run_key(run_id)}"
        versions = sorted(path.name for path in root.iterdir() if path.name.endswith(suffix)) if root.exists() else []
        if not versions:
            log.info("alerts: run %s of tenant %s published no summary: no freshness to report", run_id, tenant_id)
            return None
        summary = json.loads((root / versions[-1] / SUMMARY_FILE).read_text())
    except (OSError, ValueError) as error:  # the other alerts must still go out
        log.exception("alerts: could not read the summary of run %s under %s", run_id, root)
        return {"status": "unknown", "error": f"the run's summary could not be read ({type(error).__name__})"}
    freshness = summary.get("freshness")
    return freshness if isinstance(freshness, Mapping) else None


def _task_states(dag_id: str, run_id: str) -> dict[str, str | None]:
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance  # noqa: PLC0415 (callback time only)

    by_run = RuntimeTaskInstance.get_task_states(dag_id=dag_id, run_ids=[run_id])
    return {str(task_id): (str(state) if state else None) for task_id, state in (by_run.get(run_id) or {}).items()}


def _report(dag_id: str, run_id: str, task_id: str) -> list[Report]:
    from airflow.sdk.execution_time.xcom import XCom  # noqa: PLC0415

    value = XCom.get_one(key=report_key(task_id), dag_id=dag_id, task_id=BUILD_TASK_ID, run_id=run_id, map_index=-1)
    return [report for report in value or () if isinstance(report, Mapping)]


@contextmanager
def _task_sdk_comms() -> Iterator[None]:
    """The Task SDK's channel to the Execution API: the dag-processor's, or an in-process one under dags test."""
    from airflow.sdk.execution_time import task_runner  # noqa: PLC0415

    if getattr(task_runner, "SUPERVISOR_COMMS", None) is not None:
        yield
        return
    import psutil  # noqa: PLC0415
    import structlog  # noqa: PLC0415
    from airflow.sdk.execution_time.supervisor import (  # noqa: PLC0415
        InProcessSupervisorComms,
        InProcessTestSupervisor,
        set_supervisor_comms,
    )

    log.info("no Task SDK supervisor in this process (airflow dags test): reading the run in-process")
    supervisor = InProcessTestSupervisor(
        id=uuid.uuid4(),
        pid=os.getpid(),
        process=psutil.Process(),
        process_log=structlog.get_logger(logger_name="task").bind(),
        client=InProcessTestSupervisor._api_client(),  # type: ignore[no-untyped-call]
    )
    supervisor.comms = InProcessSupervisorComms(supervisor=supervisor)
    with set_supervisor_comms(supervisor.comms):
        yield
