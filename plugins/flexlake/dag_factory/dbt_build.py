"""`dbt_build`: one `dbt build` per tenant run, whose outcome each model's task then reports.

Why: a task per model that invokes dbt costs Airflow's task start-up plus a dbt invocation (~1.5 s) for each
of ~110 nodes, about nine times the dbt work itself (issue 13). Here dbt runs once, with the tier's threads,
dbt's own ordering and dbt's own failure behaviour (a failed model or failing test skips what depends on it;
independent branches still build). The per-model tasks stay, with their ids (`dbt_transform.<model>.run`,
`.test`, `<test>_test`): each reads its nodes' results from this task and succeeds or fails with dbt's message
and its own dbt log lines (dag_factory/dbt_operator.DbtNodeReportOperator), started in the triggerer and ended
there when its nodes succeeded (dag_factory/dbt_reports.py), so a green run costs one worker process for dbt.
The build reports each task as soon as dbt has finished its nodes (`ProgressReporter`, from dbt's own
NodeFinished events; `ReportPublisher` pushes from a thread of its own, then the build's progress), and the first
model tasks start with the build: they follow it as Cosmos's WATCHER consumers do, waiting on one shared watch of
the progress per run (build_watch.py). `airflow dags test` (the demo) runs the report tasks in-process; one that
comes before the build is rescheduled until the build has run.

The task fails only when dbt could not run the build at all (a compilation or connection error): a failed
model is its own task's failure. What each report task shows is pushed to XCom under `report_key(task_id)`.
"""

import functools
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import Context
from cosmos.operators.local import DbtBuildLocalOperator

from flexlake.dag_factory.build_watch import PROGRESS_KEY
from flexlake.dag_factory.data_test_window import data_test_env, describe_data_test_window
from flexlake.dag_factory.dbt_reports import NOT_SELECTED_STATUS, SUCCESS_STATUSES, report_key
from flexlake.dag_factory.dbt_results_only import write_run_results

_LOG_LEVELS = frozenset({"info", "warn", "error"})
MAX_LOG_LINES_PER_NODE = 200
MAX_LOG_LINE_CHARS = 2000


NodeFinishedHook = Callable[[str, dict[str, Any]], None]


class NodeLogCollector:
    """A dbtRunner callback: keeps each node's own log lines (what dbt prints about it), bounded per node, and
    hands each finished node's result to `on_node_finished` (set for the run: `ProgressReporter`)."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {}
        self.on_node_finished: NodeFinishedHook | None = None

    def __call__(self, event: Any) -> None:
        data = getattr(event, "data", None)
        unique_id = getattr(getattr(data, "node_info", None), "unique_id", "")
        info = getattr(event, "info", None)
        if not unique_id or info is None:
            return
        if info.name == "NodeFinished":
            if self.on_node_finished is not None:
                self.on_node_finished(unique_id, finished_node_report(data, self.lines.get(unique_id, ())))
            return
        if info.level not in _LOG_LEVELS or not info.msg:
            return
        lines = self.lines.setdefault(unique_id, [])
        if len(lines) < MAX_LOG_LINES_PER_NODE:
            lines.append(f"{info.ts.ToJsonString()[11:19]} {info.msg[:MAX_LOG_LINE_CHARS]}")


def finished_node_report(data: Any, log_lines: Sequence[str]) -> dict[str, Any]:
    """One node's result from dbt's NodeFinished event (its run_result message), shaped as `node_results` does."""
    result = data.run_result
    timing = [t for t in result.timing_info if t.started_at.seconds and t.completed_at.seconds]
    return {
        "unique_id": data.node_info.unique_id,
        "name": data.node_info.node_name,
        "status": str(result.status),
        "message": result.message or "",
        "execution_time": round(float(result.execution_time or 0.0), 3),
        "started_at": timing[0].started_at.ToDatetime().isoformat() if timing else None,
        "completed_at": timing[-1].completed_at.ToDatetime().isoformat() if timing else None,
        "log": list(log_lines),
    }


class ProgressReporter:
    """Pushes a report task's results the moment dbt has finished all of its nodes (called from dbt's threads).

    `push(task_id, reports)` returns whether it pushed; the tasks it pushed are in `pushed`, and the build pushes
    the others (nodes dbt never reached) when it ends.
    """

    def __init__(self, nodes_of_task: Mapping[str, tuple[str, ...]], push: Callable[[str, list[dict[str, Any]]], bool]):
        self._nodes_of_task = nodes_of_task
        self._tasks_of_node: dict[str, list[str]] = {}
        for task_id, unique_ids in nodes_of_task.items():
            for unique_id in unique_ids:
                self._tasks_of_node.setdefault(unique_id, []).append(task_id)
        self._finished: dict[str, dict[str, Any]] = {}
        self._push = push
        self._lock = threading.Lock()
        self.pushed: set[str] = set()

    def __call__(self, unique_id: str, report: dict[str, Any]) -> None:
        with self._lock:
            self._finished[unique_id] = report
            for task_id in self._tasks_of_node.get(unique_id, ()):
                unique_ids = self._nodes_of_task[task_id]
                if task_id in self.pushed or any(uid not in self._finished for uid in unique_ids):
                    continue
                if self._push(task_id, [dict(self._finished[uid]) for uid in unique_ids]):
                    self.pushed.add(task_id)


class ReportPublisher:
    """Pushes report tasks' results (`push_report`) from a thread of its own, then the build's progress: the ids of
    every task pushed so far (`push_progress`), once per batch, so a report is in XCom before the progress names it.

    Why a thread: dbt calls `ProgressReporter` from its worker threads, and an XCom push is a request through the
    task's supervisor to the API server; dbt's threads should not wait for it. The triggers of the waiting model
    tasks read only the progress, once a second per run (build_watch.py). `close()` waits for the queue to drain;
    `published` then names the tasks whose report reached XCom (the build pushes the others when it ends).
    """

    def __init__(
        self, push_report: Callable[[str, list[dict[str, Any]]], bool], push_progress: Callable[[list[str]], None]
    ) -> None:
        self._push_report = push_report
        self._push_progress = push_progress
        self._queue: queue.SimpleQueue[tuple[str, list[dict[str, Any]]] | None] = queue.SimpleQueue()
        self.published: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="dbt report publisher", daemon=True)
        self._thread.start()

    def __call__(self, task_id: str, reports: list[dict[str, Any]]) -> bool:
        self._queue.put((task_id, reports))
        return True

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            reports = [item for item in batch if item is not None]
            for task_id, task_reports in reports:
                if self._push_report(task_id, task_reports):
                    self.published.add(task_id)
            if reports:
                self._push_progress(sorted(self.published))
            if None in batch:
                return


def node_results(execution: Any, logs: Mapping[str, list[str]]) -> dict[str, dict[str, Any]]:
    """unique_id -> status, message, timings and log lines, from dbt's in-memory RunExecutionResult."""
    results: dict[str, dict[str, Any]] = {}
    for result in getattr(execution, "results", None) or ():
        unique_id = result.node.unique_id
        timing = [t for t in result.timing if t.started_at and t.completed_at]
        results[unique_id] = {
            "unique_id": unique_id,
            "name": result.node.name,
            "status": str(result.status),
            "message": result.message or "",
            "execution_time": round(float(result.execution_time or 0.0), 3),
            "started_at": timing[0].started_at.isoformat() if timing else None,
            "completed_at": timing[-1].completed_at.isoformat() if timing else None,
            "log": list(logs.get(unique_id, ())),
        }
    return results


def reports_by_task(
    results: Mapping[str, dict[str, Any]], nodes_of_task: Mapping[str, tuple[str, ...]], missing_status: str = "not_run"
) -> dict[str, list[dict[str, Any]]]:
    """What each report task shows: its nodes' results, or a `missing_status` entry for a node dbt returned nothing
    for (`not_run`; `not_selected` when the run narrowed the build to a dbt selection)."""

    def result_of(uid: str) -> dict[str, Any]:
        return dict(results.get(uid) or {"unique_id": uid, "status": missing_status, "message": "", "log": []})

    return {task_id: [result_of(uid) for uid in uids] for task_id, uids in nodes_of_task.items()}


class DbtTenantBuildOperator(DbtBuildLocalOperator):  # type: ignore[misc]
    """Cosmos's `dbt build` operator (in-process dbt runner), reporting per node instead of failing on the first.

    `nodes_of_task` (report task id -> node unique ids) says which results go to which report task. A run with a
    dbt selection (`run_select`, the `select` run parameter) builds it minus the tenant's removed models
    (`tenant_exclude`), with the tests whose parents are all selected (dbt's cautious indirect selection); the
    nodes it leaves out are reported `not_selected`, so their tasks are skipped rather than built.
    """

    def __init__(
        self,
        *,
        nodes_of_task: Mapping[str, tuple[str, ...]],
        tenant_exclude: tuple[str, ...] = (),
        run_select: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._collector = NodeLogCollector()
        kwargs["dbt_runner_callbacks"] = [*(kwargs.get("dbt_runner_callbacks") or []), self._collector]
        if run_select:
            kwargs.update(select=[run_select], exclude=list(tenant_exclude), indirect_selection="cautious")
        super().__init__(**kwargs)
        self.nodes_of_task = dict(nodes_of_task)
        self.missing_status = NOT_SELECTED_STATUS if run_select else "not_run"
        # Every node of every report task succeeded (set when the build ends): the build ledger records it.
        self.every_node_succeeded = False
        # No node the build ran failed (a run's `select` leaves others out): the reader copy may be published.
        self.no_node_failed = False

    def get_env(self, context: Context) -> dict[str, Any]:
        """Cosmos's environment for dbt, plus which rows the run's data tests read (dag_factory/data_test_window.py)."""
        env: dict[str, Any] = super().get_env(context)
        window = data_test_env(context, self.vars or {}, bool(getattr(self, "full_refresh", False)))
        self.log.info("data tests: %s", describe_data_test_window(window))
        return {**env, **window}

    def run_dbt_runner(self, command: list[str], env: dict[str, str], cwd: str, **kwargs: Any) -> Any:
        context = kwargs.get("context")
        publisher = None
        if context is not None:
            publisher = ReportPublisher(
                functools.partial(self._push, context), functools.partial(self._push_progress, context)
            )
            self._collector.on_node_finished = ProgressReporter(self.nodes_of_task, publisher)
        try:
            result = super().run_dbt_runner(command, env, cwd, **kwargs)
        finally:
            self._collector.on_node_finished = None
            if publisher is not None:
                publisher.close()
        write_run_results(result, Path(cwd))
        if context is not None and getattr(result, "result", None) is not None:
            published = publisher.published if publisher is not None else set()
            self._push_reports(context, node_results(result.result, self._collector.lines), published)
        return result

    def _push(self, context: Context, task_id: str, reports: list[dict[str, Any]]) -> bool:
        """One report task's results to XCom, with the build's attempt (a report task whose own attempt is later
        is a retry or a clear of that task: dbt_reports.is_rerun). False when the push failed (logged)."""
        task_instance = context["ti"]
        for report in reports:
            report["build_try_number"] = task_instance.try_number
        try:
            task_instance.xcom_push(key=report_key(task_id), value=reports)
        except Exception:  # from one of dbt's threads: never break the build; the task is pushed again at its end
            self.log.exception("reporting %s to its task failed; it is reported when the build ends", task_id)
            return False
        return True

    def _push_progress(self, context: Context, task_ids: list[str]) -> None:
        """Which report tasks' results are in XCom, for this build attempt (build_watch.BuildProgress)."""
        value = {"build_try_number": context["ti"].try_number, "reported": task_ids}
        try:
            context["ti"].xcom_push(key=PROGRESS_KEY, value=value)
        except Exception:  # the triggers then see the task at the next push, or the build's end
            self.log.exception("pushing the build's progress failed")

    def _push_reports(self, context: Context, results: Mapping[str, dict[str, Any]], pushed: set[str]) -> None:
        """What the build has not reported yet (nodes dbt never reached, or whose push failed), once it ended,
        then the progress naming every task (the waiting triggers see it before the build's end state)."""
        published = set(pushed)
        for task_id, reports in reports_by_task(results, self.nodes_of_task, self.missing_status).items():
            if task_id not in pushed and self._push(context, task_id, reports):
                published.add(task_id)
        self._push_progress(context, sorted(published))
        failed = sorted(r["name"] for r in results.values() if r["status"] not in SUCCESS_STATUSES)
        reached = all(uid in results for uids in self.nodes_of_task.values() for uid in uids)
        self.every_node_succeeded = reached and not failed
        self.no_node_failed = not failed
        if failed:
            self.log.warning("dbt build: %d node(s) did not succeed (their tasks say why): %s", len(failed), failed)

    def handle_exception_dbt_runner(self, result: Any) -> None:
        """Fail only when dbt could not run the build; node failures are reported by the nodes' own tasks."""
        if getattr(result, "exception", None) is not None or getattr(result, "result", None) is None:
            super().handle_exception_dbt_runner(result)
