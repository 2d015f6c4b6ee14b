"""The per-model tasks of a one-build run: what each shows and when it runs dbt itself (dag_factory/dbt_build.py).

The build's real dbt run is exercised end to end in tests/integration/test_tenant_dag_runs.py; here the task's
decision is checked against every outcome a node can have in the build, with a recording stand-in for the dbt
call it would make itself.
"""

import asyncio
import datetime as dt
import importlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSkipException,
)
from airflow.sdk.execution_time import task_runner
from airflow.triggers.base import BaseTaskEndEvent, TaskSkippedEvent, TaskSuccessEvent
from flexlake.dag_factory import build_watch, dbt_operator, dbt_reports
from flexlake.dag_factory.build_watch import BUILD_TASK_ID
from flexlake.dag_factory.data_test_window import DATA_TESTS_SINCE_ENV
from flexlake.dag_factory.dbt_build import NodeLogCollector, ProgressReporter, reports_by_task
from flexlake.dag_factory.dbt_operator import DbtNodeReportOperator, dbt_node_task
from flexlake.dag_factory.dbt_reports import NOTHING_NEW_XCOM_KEY, BuildReportTrigger, report_key
from flexlake.tenant_config import load_tenant_config

from tests.unit.dag_factory.supervisor_comms import FakeSupervisorComms

TASK_ID = "fct_orders_run"


class _TaskInstance:
    """What the report task reads from the Task SDK: the build's XCom and its own attempt."""

    dag_id = "flexlake__shop"
    run_id = "manual__1"

    def __init__(self, reports: list[dict[str, Any]] | None, try_number: int, nothing_new: str | None = None) -> None:
        self.reports = reports
        self.try_number = try_number
        self.nothing_new = nothing_new

    def xcom_pull(self, *, task_ids: str, key: str) -> Any:
        assert task_ids == BUILD_TASK_ID and key in (report_key(TASK_ID), NOTHING_NEW_XCOM_KEY), (task_ids, key)
        return self.reports if key == report_key(TASK_ID) else self.nothing_new


def _report(status: str, build_try_number: int = 1, message: str = "") -> dict[str, Any]:
    return {
        "unique_id": "model.flexlake.fct_orders",
        "name": "fct_orders",
        "status": status,
        "message": message,
        "execution_time": 1.25,
        "started_at": "2026-12-06T10:00:00",
        "completed_at": "2026-12-06T10:00:01",
        "log": ["10:00:00 1 of 9 START sql incremental model main.fct_orders"],
        "build_try_number": build_try_number,
    }


@pytest.fixture
def build_states(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The build task's state as the Task SDK reports it, last value repeated (default: it succeeded)."""
    states: list[str | None] = ["success"]

    def build_state(dag_id: str, run_id: str) -> str | None:
        assert (dag_id, run_id) == ("flexlake__shop", "manual__1")
        return states.pop(0) if len(states) > 1 else states[0]

    monkeypatch.setattr(dbt_operator, "build_state", build_state)
    monkeypatch.setattr(dbt_reports, "build_state", build_state)
    monkeypatch.setattr(dbt_operator, "POLL_SECONDS", 0.0)
    return states


@pytest.fixture
def report_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, build_states: list[str | None]
) -> tuple[DbtNodeReportOperator, list[str]]:
    """A report task whose own dbt call only records that it happened."""
    path = tmp_path / "shop.yaml"
    path.write_text(
        "tenant_id: shop\ndisplay_name: S\ntier: starter\n"
        "warehouse: {type: postgres, connection_id: pg, database: db}\nsources: [{system: faker, name: shop}]\n"
    )
    built: list[str] = []
    monkeypatch.setattr(dbt_operator.DbtNodeOperator, "execute", lambda self, context: built.append(self.select))
    task = dbt_node_task(
        task_id=TASK_ID,
        tenant=load_tenant_config(path),
        command="run",
        select="fct_orders",
        operator_class=DbtNodeReportOperator,
    )
    assert isinstance(task, DbtNodeReportOperator)
    return task, built


def _execute(task: DbtNodeReportOperator, reports: list[dict[str, Any]] | None, try_number: int = 1) -> None:
    task.execute({"ti": _TaskInstance(reports, try_number)})  # type: ignore[typeddict-item]


def test_a_node_the_build_built_succeeds_without_running_dbt(report_task: Any) -> None:
    task, built = report_task
    _execute(task, [_report("success")])
    assert built == [], "a model the build built must not be built again"


@pytest.mark.parametrize("status", ["pass", "warn"])
def test_passing_or_warning_tests_succeed_without_running_dbt(report_task: Any, status: str) -> None:
    task, built = report_task
    _execute(task, [_report(status)])
    assert built == []


@pytest.mark.parametrize("status", ["error", "fail"])
def test_a_node_the_build_failed_fails_its_task_with_dbts_message(report_task: Any, status: str) -> None:
    task, built = report_task
    with pytest.raises(AirflowException, match=r"fct_orders .*relation \"raw\.orders\" does not exist"):
        _execute(task, [_report(status, message='relation "raw.orders" does not exist')])
    assert built == [], "the first report of a failure must not re-run the model (no hidden double cost)"


def test_a_retry_of_a_failed_node_runs_that_node_itself(report_task: Any) -> None:
    """An automatic retry, or a user clearing the task: attempt 2 of the task, attempt 1 of the build."""
    task, built = report_task
    _execute(task, [_report("error")], try_number=2)
    assert built == ["fct_orders"]


def test_clearing_the_whole_run_reports_the_new_build_again(report_task: Any) -> None:
    """Build and task both on attempt 2: the build ran again, so its failure is reported, not rebuilt."""
    task, built = report_task
    with pytest.raises(AirflowException):
        _execute(task, [_report("error", build_try_number=2)], try_number=2)
    assert built == []


@pytest.mark.parametrize("status", ["skipped", "not_run"])
def test_a_node_the_build_did_not_reach_is_built_by_its_task(report_task: Any, status: str) -> None:
    """dbt skipped it (an upstream failed, then was retried green) or returned nothing for it."""
    task, built = report_task
    _execute(task, [_report(status)])
    assert built == ["fct_orders"]


def test_no_report_at_all_builds_the_node(report_task: Any) -> None:
    task, built = report_task
    _execute(task, None)
    assert built == ["fct_orders"]


def test_a_model_task_that_ran_beside_a_build_with_nothing_new_is_skipped_not_built(
    report_task: Any, build_states: list[str | None]
) -> None:
    """`airflow dags test` can run a first model task before the build, which then finds nothing new and skips the
    model tasks: one that was waiting (rescheduled) sees no report and the build's reason, and skips."""
    task, built = report_task
    with pytest.raises(AirflowSkipException, match="dbt build not needed: no new records"):
        task.execute({"ti": _TaskInstance(None, 1, nothing_new="no new records since the last build")})
    assert built == []


def test_every_report_task_gets_an_entry_per_node_even_one_dbt_never_returned() -> None:
    results = {"model.flexlake.a": {"unique_id": "model.flexlake.a", "status": "success", "log": []}}
    reports = reports_by_task(results, {"g.a.run": ("model.flexlake.a",), "g.a.test": ("test.flexlake.t",)})
    assert [r["status"] for r in reports["g.a.run"]] == ["success"]
    assert reports["g.a.test"] == [{"unique_id": "test.flexlake.t", "status": "not_run", "message": "", "log": []}]
    reports["g.a.run"][0]["status"] = "changed"
    assert results["model.flexlake.a"]["status"] == "success", "reports are copies"


def test_a_cleared_green_task_rebuilds_its_node(report_task: Any) -> None:
    """A user clears a model the build built (say after fixing its source): attempt 2 runs dbt for it."""
    task, built = report_task
    _execute(task, [_report("success")], try_number=2)
    assert built == ["fct_orders"]


def test_a_report_task_resumed_from_the_triggerer_reports_on_the_worker(report_task: Any) -> None:
    task, built = report_task
    context = {"ti": _TaskInstance([_report("skipped")], 1)}
    task.resume_on_worker(context, event={"reason": "the build did not succeed"})
    assert built == ["fct_orders"]


def _trigger_events(
    reports: list[dict[str, Any]] | Exception | None,
    try_number: int = 1,
    *,
    steps: list[tuple[str | None, Any]] | None = None,
) -> list[Any]:
    """The events BuildReportTrigger yields for a report task attempt, through the trigger runner's channel to its
    supervisor (build_watch.py's reads). `steps`: the build's (state, this task's reports) at each poll of the run's
    watch, the last one repeated; without it the build has ended with `reports`."""
    comms = FakeSupervisorComms([(state, {TASK_ID: pushed}) for state, pushed in steps or [("success", reports)]])
    trigger = BuildReportTrigger()
    trigger.task_instance = SimpleNamespace(  # type: ignore[assignment]
        dag_id="flexlake__shop", run_id="manual__1", task_id=TASK_ID, try_number=try_number
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_watch, "POLL_SECONDS", 0.0)
        patch.setattr(task_runner, "SUPERVISOR_COMMS", comms, raising=False)

        async def collect() -> list[Any]:
            return [event async for event in trigger.run()]

        return asyncio.run(collect())


@pytest.mark.parametrize("status", ["success", "pass", "warn"])
def test_the_trigger_ends_a_green_report_task_without_a_worker(status: str, capsys: pytest.CaptureFixture[str]) -> None:
    events = _trigger_events([_report(status)])
    assert len(events) == 1 and isinstance(events[0], TaskSuccessEvent), events
    logged = capsys.readouterr().out  # the trigger's log (Airflow's structlog), in the task's log on a stack
    assert f"dbt build: fct_orders {status}" in logged and "START sql incremental model" in logged


@pytest.mark.parametrize(
    ("reports", "try_number"),
    [
        ([_report("error", message="boom")], 1),  # a failure: the worker raises dbt's message (and retries)
        ([_report("skipped")], 1),  # dbt never reached it: the worker builds it
        ([_report("success")], 2),  # a cleared or retried task: the worker runs dbt for it
        (None, 1),  # no report at all
        (RuntimeError("api server gone"), 1),  # the XCom read failed
    ],
    ids=["failed", "skipped", "rerun", "no-report", "xcom-error"],
)
def test_the_trigger_hands_every_other_case_to_a_worker(reports: Any, try_number: int) -> None:
    events = _trigger_events(reports, try_number)
    assert len(events) == 1 and not isinstance(events[0], BaseTaskEndEvent), events
    assert events[0].payload["reason"], "the worker's log says why it was needed"


def test_the_trigger_waits_while_the_build_has_not_finished_its_nodes() -> None:
    """A first model task starts with the build: it waits (no worker) until dbt has finished its nodes."""
    events = _trigger_events(None, steps=[(None, None), ("running", None), ("running", [_report("success")])])
    assert len(events) == 1 and isinstance(events[0], TaskSuccessEvent), events


def test_after_clearing_the_whole_run_the_trigger_waits_for_the_new_build() -> None:
    """Task and build both cleared (attempt 2): the old build's report is not this attempt's; the new one is."""
    steps = [("queued", [_report("error")]), ("running", [_report("error")]), ("running", [_report("success", 2)])]
    events = _trigger_events(None, try_number=2, steps=steps)
    assert len(events) == 1 and isinstance(events[0], TaskSuccessEvent), events


def test_the_trigger_hands_a_task_the_ended_build_never_reported_to_a_worker() -> None:
    events = _trigger_events(None, steps=[("running", None), ("failed", None)])
    assert len(events) == 1 and not isinstance(events[0], BaseTaskEndEvent), events


def test_under_dags_test_a_first_model_task_before_the_build_is_rescheduled(
    report_task: Any, build_states: list[str | None]
) -> None:
    """`airflow dags test` runs a first model task and the build in either order: before it, look again later."""
    task, built = report_task
    build_states[:] = ["scheduled"]
    with pytest.raises(AirflowRescheduleException):
        _execute(task, None)
    assert built == []


@pytest.mark.parametrize("state", ["failed", "upstream_failed"])
def test_a_model_the_failed_build_never_reached_fails_without_running_dbt(
    report_task: Any, build_states: list[str | None], state: str
) -> None:
    task, built = report_task
    build_states[:] = [state]
    with pytest.raises(AirflowFailException, match=f"not built: dbt_build ended {state}"):
        _execute(task, None)
    assert built == [], "a build that could not run (compilation, connection) is not repeated model by model"


def _node_finished(unique_id: str, status: str = "success") -> Any:
    """dbt's own NodeFinished event for a node, as the dbtRunner callback receives it."""
    from dbt.events.types import NodeFinished  # noqa: PLC0415
    from dbt_common.events.base_types import msg_from_base_event  # noqa: PLC0415

    timing = [{"name": "execute", "started_at": "2026-12-06T10:00:00Z", "completed_at": "2026-12-06T10:00:02Z"}]
    run_result = {"status": status, "message": "OK", "execution_time": 2.0, "timing_info": timing}
    node_info = {"unique_id": unique_id, "node_name": unique_id.rsplit(".", maxsplit=1)[-1]}
    return msg_from_base_event(NodeFinished(node_info=node_info, run_result=run_result))


def test_the_build_reports_a_task_as_soon_as_dbt_finished_all_its_nodes() -> None:
    pushes: list[tuple[str, list[dict[str, Any]]]] = []
    nodes_of_task = {"g.a.run": ("model.flexlake.a",), "g.a.test": ("test.flexlake.t1", "test.flexlake.t2")}
    collector = NodeLogCollector()
    collector.on_node_finished = ProgressReporter(nodes_of_task, lambda task_id, r: pushes.append((task_id, r)) or True)
    collector(_node_finished("model.flexlake.a"))
    assert [task_id for task_id, _ in pushes] == ["g.a.run"]
    assert pushes[0][1][0] | {"log": []} == {
        "unique_id": "model.flexlake.a", "name": "a", "status": "success", "message": "OK", "execution_time": 2.0,
        "started_at": "2026-12-06T10:00:00", "completed_at": "2026-12-06T10:00:02", "log": [],
    }  # fmt: skip
    collector(_node_finished("test.flexlake.t1", "pass"))
    assert len(pushes) == 1, "a task is reported once all of its nodes finished"
    collector(_node_finished("test.flexlake.t2", "fail"))
    assert [task_id for task_id, _ in pushes] == ["g.a.run", "g.a.test"]
    assert [r["status"] for r in pushes[1][1]] == ["pass", "fail"]
    assert collector.on_node_finished.pushed == {"g.a.run", "g.a.test"}


def test_a_failed_push_is_left_for_the_end_of_the_build() -> None:
    progress = ProgressReporter({"g.a.run": ("model.flexlake.a",)}, lambda task_id, reports: False)
    progress("model.flexlake.a", {"unique_id": "model.flexlake.a", "status": "success"})
    assert progress.pushed == set()


def test_report_tasks_start_in_the_triggerer_after_serialization(report_task: Any) -> None:
    """What the scheduler sees (the serialized task) asks to start in the triggerer, with a trigger it can import."""
    from airflow.sdk import DAG  # noqa: PLC0415
    from airflow.serialization.serialized_objects import DagSerialization  # noqa: PLC0415

    task, _ = report_task
    with DAG("flexlake__shop", schedule=None) as dag:
        dag.add_task(task)
    serialized = DagSerialization.from_dict(DagSerialization.to_dict(dag)).get_task(TASK_ID)
    assert serialized.start_from_trigger is True
    args = serialized.start_trigger_args
    assert args is not None and args.next_method == "resume_on_worker" and hasattr(task, args.next_method)
    module, _, name = args.trigger_cls.rpartition(".")
    assert getattr(importlib.import_module(module), name) is BuildReportTrigger


def test_the_runs_dbt_build_names_the_tenant_and_gets_the_data_test_window(tmp_path: Path) -> None:
    """The build's vars name the tenant (query tags) and its environment carries the test window of the run
    (dag_factory/data_test_window.py): rows loaded since the previous success minus the lookback; none on a full
    refresh."""
    path = tmp_path / "shop.yaml"
    path.write_text(
        "tenant_id: shop\ndisplay_name: S\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop}]\ndbt: {vars: {incremental_lookback_hours: 1}}\n"
    )
    build = dbt_node_task(
        task_id=BUILD_TASK_ID, tenant=load_tenant_config(path), command="build", select="fct_orders",
        cosmos_extra={"nodes_of_task": {TASK_ID: ("model.flexlake.fct_orders",)}},
    )  # fmt: skip
    run_start = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)
    context: Any = {
        "dag_run": SimpleNamespace(start_date=run_start, run_id="scheduled__x"),
        "prev_start_date_success": run_start - dt.timedelta(hours=1),
        "params": {},
    }
    operator = build.cosmos_operator_for_run(context)
    assert operator.vars["flexlake_tenant_id"] == "shop"
    assert operator.get_env(context)[DATA_TESTS_SINCE_ENV] == "2026-12-06 07:00:00"
    context["params"] = {"full_refresh": True}
    assert DATA_TESTS_SINCE_ENV not in build.cosmos_operator_for_run(context).get_env(context)


def test_a_task_whose_nodes_the_runs_select_left_out_is_skipped_in_the_triggerer_and_on_a_worker(
    report_task: Any,
) -> None:
    """A run with `select` (run_params.py): a model outside it is skipped (not built by its own task); a test task
    with some of its tests selected reports those."""
    task, built = report_task
    events = _trigger_events([_report("not_selected")])
    assert len(events) == 1 and isinstance(events[0], TaskSkippedEvent), events
    with pytest.raises(AirflowSkipException, match="select"):
        _execute(task, [_report("not_selected")])
    assert _trigger_events([_report("pass"), _report("not_selected")])[0].__class__ is TaskSuccessEvent
    _execute(task, [_report("pass"), _report("not_selected")])
    assert built == [], "nothing outside the selection is built"


def test_a_runs_select_narrows_the_build_to_it_within_the_tenants_models(tmp_path: Path) -> None:
    """`select` reaches dbt as --select, minus what the tenant removed, tests by cautious indirect selection; the
    nodes it leaves out are reported not_selected. Without it the build names the DAG's nodes exactly."""
    path = tmp_path / "shop.yaml"
    path.write_text(
        "tenant_id: shop\ndisplay_name: S\ntier: starter\nwarehouse: {type: duckdb}\n"
        "sources: [{system: faker, name: shop}]\ndbt: {disabled_marts: [customers]}\n"
    )
    from airflow.sdk import DAG  # noqa: PLC0415
    from flexlake.dag_factory.dbt_task_group import build_dbt_tasks  # noqa: PLC0415

    with DAG("flexlake__shop", schedule=None):
        build, _ = build_dbt_tasks(load_tenant_config(path))
    context: Any = {"dag_run": SimpleNamespace(start_date=None, run_id="manual__x"), "params": {}}
    plain = build.cosmos_operator_for_run(context)  # type: ignore[attr-defined]
    assert plain.indirect_selection == "empty" and plain.missing_status == "not_run"
    context["params"] = {"select": "fct_orders+"}
    narrowed = build.cosmos_operator_for_run(context)  # type: ignore[attr-defined]
    assert narrowed.select == ["fct_orders+"] and narrowed.indirect_selection == "cautious"
    assert "tag:mart:customers" in narrowed.exclude, narrowed.exclude
    assert narrowed.missing_status == "not_selected"
