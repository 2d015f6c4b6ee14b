"""What the run's `dbt build` did with a report task's nodes, and the trigger that reports it without a worker.

A model's task (dag_factory/dbt_operator.DbtNodeReportOperator) has nothing to run when the build succeeded
with its nodes: it shows dbt's log lines and succeeds. Run as a task process that costs ~1.5 s of CPU (a fresh
interpreter parsing the DAG file), which for ~110 report tasks is more than the dbt build itself (issue 13). So
the report task starts in the triggerer (Airflow's `start_from_trigger`): `BuildReportTrigger` reads the
build's XCom there and, when every node succeeded on the task's first report, ends the task with
`TaskSuccessEvent` — no worker process at all (a task whose nodes the run's `select` left out ends skipped
there). Anything else (a failed, skipped or unrun node, a retry or a
cleared task, no report) resumes the task on a worker, whose `execute` fails with dbt's message or runs dbt.

The first model tasks start with the build, and the build reports each task as soon as dbt has finished its
nodes (dbt_build.py), so the chain of model tasks (one scheduler and triggerer round per hop) overlaps the build
instead of following it. A trigger waits on its run's shared watch (dag_factory/build_watch.py: one poll of the
build's progress and state per run, not per task) until the build has pushed its report or ended.

This module imports neither Cosmos nor dbt: the triggerer loads it for every report task.
"""

import functools
from collections.abc import AsyncIterator, Sequence
from typing import Any

from airflow.triggers.base import BaseTrigger, StartTriggerArgs, TaskSkippedEvent, TaskSuccessEvent, TriggerEvent

from flexlake.airflow_patches import REPORT_ACTIVITY
from flexlake.dag_factory.build_watch import (
    BUILD_TASK_ID,
    BuildProgress,
    run_watch,
    xcom_from_build_async,
)

# dbt's statuses for a node that did its work (`warn`: a test whose failures are only warnings).
SUCCESS_STATUSES = frozenset({"success", "pass", "warn"})
# ... and for a node that failed (a model's error, a test's failure or error); anything else was not run.
FAILED_STATUSES = frozenset({"error", "fail"})
# A node outside the run's dbt selection (the `select` run parameter): its task is skipped, not built.
NOT_SELECTED_STATUS = "not_selected"
# The build's XCom saying why it did not run dbt (read by the catalog task and by a model task that ran beside it
# under `airflow dags test`; absent when dbt ran).
NOTHING_NEW_XCOM_KEY = "nothing_new"
# The method a report task resumes with on a worker when the trigger cannot end it (DbtNodeReportOperator).
RESUME_METHOD = "resume_on_worker"
TRIGGER_CLASSPATH = f"{__name__}.BuildReportTrigger"
REPORT_START_TRIGGER_ARGS = StartTriggerArgs(
    trigger_cls=TRIGGER_CLASSPATH, trigger_kwargs={}, next_method=RESUME_METHOD, next_kwargs=None, timeout=None
)

Report = dict[str, Any]


def report_key(task_id: str) -> str:
    """The XCom key under which the build leaves what one report task shows."""
    return f"dbt_report__{task_id}"


def is_rerun(reports: Sequence[Report], try_number: int) -> bool:
    """A task attempt later than the build's is a retry or a clear of that task alone: it runs dbt itself."""
    build_try_number: int = reports[0].get("build_try_number", 1)
    return try_number > build_try_number


def is_current(reports: Sequence[Report] | None, try_number: int) -> bool:
    """Results of the build attempt this task attempt belongs to: not none yet, not an earlier build's for a
    retried or cleared task (whose clear of the whole run re-runs the build: its new results are awaited)."""
    return bool(reports) and not is_rerun(reports or (), try_number)


def build_state(dag_id: str, run_id: str) -> str | None:
    """The run's build task state, through the Task SDK (a worker's or the triggerer's API client)."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance  # noqa: PLC0415 (only when running)

    states = RuntimeTaskInstance.get_task_states(dag_id=dag_id, task_ids=[BUILD_TASK_ID], run_ids=[run_id])
    state = states.get(run_id, {}).get(BUILD_TASK_ID)
    return str(state) if state is not None else None


def all_succeeded(reports: Sequence[Report]) -> bool:
    """Every selected node did its work (a test task may have some tests outside the run's selection)."""
    statuses = {report["status"] for report in reports}
    return bool(statuses - {NOT_SELECTED_STATUS}) and statuses <= SUCCESS_STATUSES | {NOT_SELECTED_STATUS}


def none_selected(reports: Sequence[Report]) -> bool:
    """The run's `select` left out every node of this task: it is skipped."""
    return bool(reports) and all(report["status"] == NOT_SELECTED_STATUS for report in reports)


def report_lines(report: Report) -> list[str]:
    """One node's outcome and then dbt's own log lines for it, as the task log shows them."""
    summary = (
        f"dbt build: {report.get('name', report['unique_id'])} {report['status']} in "
        f"{report.get('execution_time', 0.0):.2f} s ({report.get('started_at')} .. {report.get('completed_at')}) "
        f"{report.get('message', '')}"
    )
    return [summary, *(f"  {line}" for line in report.get("log", ()))]


class BuildReportTrigger(BaseTrigger):
    """Ends a report task from the triggerer when the run's build succeeded with all its nodes.

    It needs no arguments: the task instance the triggerer attaches (`self.task_instance`) names the DAG, run,
    task and attempt, and the build's task id and XCom key follow from them.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return TRIGGER_CLASSPATH, {}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # The triggerer runs quick rounds while reports are collected (flexlake/airflow_patches.py): the next model
        # task of the chain is picked up, and this one's event sent, within a fraction of a second.
        REPORT_ACTIVITY.note()
        event = await self._event()
        REPORT_ACTIVITY.note()
        yield event

    async def _event(self) -> TriggerEvent:
        task_instance = self.task_instance
        if task_instance is None:  # only a task's trigger has one; this trigger is never an asset's
            raise RuntimeError("BuildReportTrigger runs for a report task only")
        try:
            reports = await self._wait_for_reports(task_instance)
        except Exception as error:  # the worker reads the XCom again and fails or builds with a clear message
            return _resume_on_worker(f"reading the build's report failed: {error}")
        if not reports or is_rerun(reports, task_instance.try_number):
            return _resume_on_worker("no build result for this task on this attempt")
        if none_selected(reports):
            self.log.info("not in this run's dbt selection (its `select` run parameter): skipped")
            return TaskSkippedEvent()
        if not all_succeeded(reports):
            return _resume_on_worker("the build did not succeed with this task's nodes")
        for report in reports:
            for line in report_lines(report):
                self.log.info("%s", line)
        return TaskSuccessEvent()

    async def _wait_for_reports(self, task_instance: Any) -> list[Report] | None:
        """This attempt's results once the build has pushed them, else what is there when the build has ended.
        A task in a chain that lags dbt finds them pushed already: one read, no watch."""
        task_id, try_number = task_instance.task_id, task_instance.try_number
        reports = await self._reports(task_instance)
        if is_current(reports, try_number):
            return reports
        watch = run_watch(task_instance.dag_id, task_instance.run_id)
        self.log.info("waiting for %s to finish this task's nodes (or to end)", BUILD_TASK_ID)
        seen = 0
        while True:
            progress = await watch.wait_for(functools.partial(_answers, task_id, try_number, seen))
            if progress.error:
                raise RuntimeError(f"reading {BUILD_TASK_ID}'s progress: {progress.error}")
            reports = await self._reports(task_instance)
            if is_current(reports, try_number) or progress.ended:
                return reports
            seen = progress.version  # the progress was an earlier build's: wait for a newer one

    @staticmethod
    async def _reports(task_instance: Any) -> list[Report] | None:
        value = await xcom_from_build_async(
            task_instance.dag_id, task_instance.run_id, report_key(task_instance.task_id)
        )
        return list(value) if value else None


def _answers(task_id: str, try_number: int, seen: int, progress: BuildProgress) -> bool:
    """A poll newer than the last one the trigger looked at, in which the build has pushed this attempt's report or
    has ended."""
    return progress.version > seen and (progress.ended or progress.has_reported(task_id, try_number))


def _resume_on_worker(reason: str) -> TriggerEvent:
    """The event that hands the task to a worker (RESUME_METHOD), saying why in the task's log."""
    return TriggerEvent({"reason": reason})  # type: ignore[no-untyped-call]
