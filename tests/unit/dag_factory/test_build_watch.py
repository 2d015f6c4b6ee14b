"""The report triggers of a run share one watch of its build (dag_factory/build_watch.py), and the build pushes its
progress after the reports it names (dag_factory/dbt_build.ReportPublisher)."""

import asyncio
import threading
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk.execution_time import task_runner
from airflow.sdk.execution_time.comms import GetTaskStates, GetXCom
from airflow.triggers.base import BaseTaskEndEvent, TaskSuccessEvent
from flexlake.dag_factory import build_watch
from flexlake.dag_factory.build_watch import MAX_FAILED_READS, PROGRESS_KEY
from flexlake.dag_factory.dbt_build import ReportPublisher
from flexlake.dag_factory.dbt_reports import BuildReportTrigger

from tests.unit.dag_factory.supervisor_comms import BuildStep, FakeSupervisorComms

RUN_ID = "scheduled__1"


def _green(task_id: str) -> list[dict[str, Any]]:
    return [{"unique_id": f"model.flexlake.{task_id}", "name": task_id, "status": "success", "build_try_number": 1}]


def _run_triggers(comms: Any, task_ids: list[str], patch: pytest.MonkeyPatch) -> list[Any]:
    """Every task's trigger on one loop, as a triggerer runs them; each task's first event."""
    patch.setattr(build_watch, "POLL_SECONDS", 0.0)
    patch.setattr(task_runner, "SUPERVISOR_COMMS", comms, raising=False)

    async def first_event(task_id: str) -> Any:
        trigger = BuildReportTrigger()
        trigger.task_instance = SimpleNamespace(  # type: ignore[assignment]
            dag_id="flexlake__shop", run_id=RUN_ID, task_id=task_id, try_number=1
        )
        return await anext(trigger.run())

    async def all_events() -> list[Any]:
        events = await asyncio.gather(*(first_event(task_id) for task_id in task_ids))
        assert not build_watch._WATCHES, "a watch outlives its last waiting trigger"
        return events

    return asyncio.run(all_events())


def test_the_waiting_triggers_of_a_run_share_one_poll_of_its_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """40 model tasks wait on a build that reports half of them, then the rest: one state read per poll, not per
    task, and each task reads its own report once."""
    task_ids = [f"dbt_transform.m{index}.run" for index in range(40)]
    steps: list[BuildStep] = [
        ("running", {}),
        ("running", {task_id: _green(task_id) for task_id in task_ids[:20]}),
        ("running", {task_id: _green(task_id) for task_id in task_ids}),
    ]
    comms = FakeSupervisorComms(steps)
    events = _run_triggers(comms, task_ids, monkeypatch)
    assert all(isinstance(event, TaskSuccessEvent) for event in events), events
    polls = [msg for msg in comms.requests if isinstance(msg, GetTaskStates)]
    progress_reads = [msg for msg in comms.requests if isinstance(msg, GetXCom) and msg.key == PROGRESS_KEY]
    report_reads = [msg for msg in comms.requests if isinstance(msg, GetXCom) and msg.key != PROGRESS_KEY]
    assert len(polls) == len(progress_reads) <= len(steps) + 1, len(polls)
    reads_per_task = Counter(msg.key for msg in report_reads)
    assert set(reads_per_task) == {f"dbt_report__{task_id}" for task_id in task_ids}
    assert set(reads_per_task.values()) == {2}, "a look at the start, then one when the progress names the task"


def test_a_task_whose_report_is_pushed_already_ends_with_one_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain of model tasks lags dbt: most tasks start after the build pushed their report."""
    comms = FakeSupervisorComms([("running", {"t.run": _green("t.run")})])
    events = _run_triggers(comms, ["t.run"], monkeypatch)
    assert isinstance(events[0], TaskSuccessEvent), events
    assert [type(msg).__name__ for msg in comms.requests] == ["GetXCom"], comms.requests


class _FlakyComms(FakeSupervisorComms):
    """Fails the first `failures` state reads (the API server restarting), then answers from its steps."""

    def __init__(self, steps: list[BuildStep], failures: int) -> None:
        super().__init__(steps)
        self.failures = failures

    async def asend(self, msg: Any) -> Any:
        if isinstance(msg, GetTaskStates) and self.failures:
            self.failures -= 1
            raise ConnectionError("api server restarting")
        return await super().asend(msg)


def test_a_moment_without_the_api_server_keeps_the_tasks_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    comms = _FlakyComms([("running", {}), ("success", {"t.run": _green("t.run")})], failures=MAX_FAILED_READS - 1)
    events = _run_triggers(comms, ["t.run"], monkeypatch)
    assert isinstance(events[0], TaskSuccessEvent), events


def test_reads_that_keep_failing_hand_the_tasks_to_workers_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    comms = _FlakyComms([("running", {})], failures=MAX_FAILED_READS)
    events = _run_triggers(comms, ["t.run", "u.run"], monkeypatch)
    assert all(not isinstance(event, BaseTaskEndEvent) for event in events), events
    assert all("api server restarting" in event.payload["reason"] for event in events), events


def test_a_malformed_progress_hands_the_tasks_to_workers_instead_of_hanging(monkeypatch: pytest.MonkeyPatch) -> None:
    class _MalformedProgress(FakeSupervisorComms):
        def _xcom(self, key: str) -> Any:
            return ["not", "a", "progress"] if key == PROGRESS_KEY else None

    events = _run_triggers(_MalformedProgress([("running", {})]), ["t.run"], monkeypatch)
    assert not isinstance(events[0], BaseTaskEndEvent) and "AttributeError" in events[0].payload["reason"], events


def test_the_build_pushes_its_progress_after_the_reports_it_names() -> None:
    pushed: list[tuple[str, Any]] = []
    release = threading.Event()

    def push_report(task_id: str, reports: list[dict[str, Any]]) -> bool:
        release.wait(5)  # the API server is slow: dbt's threads must not wait for it
        pushed.append(("report", task_id))
        return task_id != "lost.run"  # this push fails: the build pushes it again at its end

    publisher = ReportPublisher(push_report, lambda task_ids: pushed.append(("progress", tuple(task_ids))))
    for task_id in ("a.run", "lost.run", "b.run"):
        assert publisher(task_id, _green(task_id)) is True
    assert pushed == [], "handing a report over returned before it was pushed"
    release.set()
    publisher.close()
    reports = [task_id for kind, task_id in pushed if kind == "report"]
    assert reports == ["a.run", "lost.run", "b.run"]
    progress = [task_ids for kind, task_ids in pushed if kind == "progress"]
    assert progress and progress[-1] == ("a.run", "b.run") and publisher.published == {"a.run", "b.run"}
    for index, (kind, value) in enumerate(pushed):
        if kind == "progress":
            assert set(value) <= {task_id for k, task_id in pushed[:index] if k == "report"}, pushed
