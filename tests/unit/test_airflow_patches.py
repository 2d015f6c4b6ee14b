"""The Airflow patches (flexlake/airflow_patches.py): installed by the plugin, pinned, what reaches the callback
table, and the trigger runner's rounds.

The table is Airflow's own `callback_request` (DbCallbackRequest) on a throw-away SQLite file; the requests are
Airflow's own models, sent through Airflow's `DatabaseCallbackSink`, as the triggerer sends them.
"""

import ast
import asyncio
import difflib
import inspect
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import airflow
import pytest
from airflow.api_fastapi.execution_api.datamodels.taskinstance import TaskInstance
from airflow.callbacks.callback_requests import DagCallbackRequest, TaskCallbackRequest
from airflow.callbacks.database_callback_sink import DatabaseCallbackSink
from airflow.jobs import triggerer_job_runner
from airflow.models import import_all_models
from airflow.models.base import Base
from airflow.models.db_callback_request import DbCallbackRequest
from airflow.utils.state import TaskInstanceState
from flexlake import airflow_patches, settings
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = create_engine(f"sqlite:///{tmp_path / 'airflow.db'}")
    import_all_models()  # the callback table refers to others (trigger, ...): Airflow's whole metadata schema
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        yield db
    engine.dispose()


def _task_callback(state: TaskInstanceState) -> TaskCallbackRequest:
    ti = TaskInstance(
        id=uuid.uuid4(),
        task_id="dbt_transform.fct_orders.run",
        dag_id="flexlake__acme",
        run_id="manual__1",
        try_number=1,
        dag_version_id=uuid.uuid4(),
    )
    return TaskCallbackRequest(
        filepath="flexlake_tenants.py", bundle_name="dags-folder", bundle_version=None, ti=ti, task_callback_type=state
    )


def _queued(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(DbCallbackRequest)) or 0)


def test_the_plugin_installed_the_patch() -> None:
    import flexlake_plugin  # noqa: F401, PLC0415 - what every Airflow component imports

    assert getattr(DatabaseCallbackSink.send, "__flexlake_patch__", False)


def test_a_success_task_callback_never_reaches_the_dag_processor(session: Session) -> None:
    """What a trigger's TaskSuccessEvent sends in 3.3.2: the DAG processor would parse the file, then not run it."""
    airflow_patches.install()
    DatabaseCallbackSink().send(callback=_task_callback(TaskInstanceState.SUCCESS), session=session)
    session.flush()
    assert _queued(session) == 0


@pytest.mark.parametrize("state", [TaskInstanceState.FAILED, TaskInstanceState.UP_FOR_RETRY])
def test_failure_and_retry_task_callbacks_are_queued_as_before(session: Session, state: TaskInstanceState) -> None:
    airflow_patches.install()
    DatabaseCallbackSink().send(callback=_task_callback(state), session=session)
    session.flush()
    assert _queued(session) == 1


def test_dag_callbacks_the_tenant_alerts_use_are_queued_as_before(session: Session) -> None:
    airflow_patches.install()
    for failed in (True, False):
        request = DagCallbackRequest(
            filepath="flexlake_tenants.py",
            bundle_name="dags-folder",
            bundle_version=None,
            dag_id="flexlake__acme",
            run_id="manual__1",
            is_failure_callback=failed,
        )
        DatabaseCallbackSink().send(callback=request, session=session)
    session.flush()
    assert _queued(session) == 2


def test_installing_twice_wraps_once() -> None:
    airflow_patches.install()
    patched = DatabaseCallbackSink.send
    airflow_patches.install()
    assert DatabaseCallbackSink.send is patched


def test_another_airflow_version_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(airflow, "__version__", "3.4.0")
    with pytest.raises(airflow_patches.AirflowPatchError, match=r"checked against apache-airflow 3\.3\.2, this is"):
        airflow_patches.install()


# --- quick trigger rounds while model tasks report ---


def _function_body(source: str, name: str) -> list[str]:
    """`name`'s statements as ast.unparse writes them (comments and docstring left out), one per line."""
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.AsyncFunctionDef) and n.name == name)
    body = (
        node.body[1:]
        if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        else node.body
    )
    return ast.unparse(ast.Module(body=body, type_ignores=[])).splitlines()


def test_the_replaced_arun_is_airflows_but_for_the_wait_between_rounds() -> None:
    """The copy of 3.3.2's `TriggerRunner.arun` changes the round's wait and adds the log line saying so; nothing
    else (read from the installed Airflow's file, whatever is patched in this process)."""
    installed = _function_body(Path(triggerer_job_runner.__file__).read_text(), "arun")
    replacement = _function_body(
        inspect.getsource(airflow_patches), airflow_patches.arun_with_quick_rounds_while_reporting.__name__
    )
    changes = [line for line in difflib.ndiff(installed, replacement) if line[:1] in "+-"]
    assert [f"{line[0]} {line[2:].strip()}" for line in changes] == [
        "+ runner_log = sys.modules[TRIGGERER_MODULE].log",
        '+ self.log.info("flexlake: rounds of %.1f s while a run\'s model tasks report, else %.1f s", '
        "REPORTING_ROUND_SECONDS, AIRFLOW_ROUND_SECONDS)",
        "- with anyio.move_on_after(1):",
        "+ with anyio.move_on_after(REPORT_ACTIVITY.round_seconds()):",
        "- await log.aexception('Trigger runner failed')",
        "+ await runner_log.aexception('Trigger runner failed')",
    ]


def test_the_triggerer_gets_the_quick_rounds() -> None:
    airflow_patches.install()
    assert triggerer_job_runner.TriggerRunner.arun is airflow_patches.arun_with_quick_rounds_while_reporting


def test_rounds_are_quick_only_while_a_run_reports() -> None:
    now = [1000.0]
    activity = airflow_patches.ReportActivity(clock=lambda: now[0])
    assert activity.round_seconds() == airflow_patches.AIRFLOW_ROUND_SECONDS  # nothing reported yet
    activity.note()
    now[0] += airflow_patches.REPORTING_WINDOW_SECONDS - 1
    assert activity.round_seconds() == airflow_patches.REPORTING_ROUND_SECONDS
    now[0] += 1
    assert activity.round_seconds() == airflow_patches.AIRFLOW_ROUND_SECONDS


class StandInRunner:
    """The parts of Airflow's TriggerRunner the replaced `arun` calls, counting its rounds; it stops after
    `stop_after` rounds and notes report activity in each one if `reporting`."""

    log = triggerer_job_runner.TriggerRunner.log

    def __init__(self, stop_after: int, reporting: bool) -> None:
        self.stop_after, self.reporting = stop_after, reporting
        self.stop, self.rounds = False, 0
        self.triggers: dict[int, object] = {}
        self._stop_event = None
        self.comms_decoder = SimpleNamespace(_reader_task=asyncio.get_running_loop().create_future())
        self._shared_streams = SimpleNamespace(stop_all=_nothing)

    async def init_comms(self) -> None: ...

    async def block_watchdog(self) -> None:
        while not self.stop:
            await asyncio.sleep(0.05)

    async def cleanup_finished_triggers(self) -> list[int]:
        return []

    async def sync_state_to_supervisor(self, finished_ids: list[int]) -> None:
        self.rounds += 1
        if self.reporting:
            airflow_patches.REPORT_ACTIVITY.note()
        self.stop = self.rounds > self.stop_after

    async def create_triggers(self) -> None: ...

    async def cancel_triggers(self) -> None: ...


async def _nothing() -> None: ...


async def _run_rounds(stop_after: int, reporting: bool) -> tuple[float, int]:
    """The replaced `arun` on a stand-in runner: its seconds and rounds."""
    runner = StandInRunner(stop_after, reporting)
    start = time.monotonic()
    await airflow_patches.arun_with_quick_rounds_while_reporting(runner)
    runner.comms_decoder._reader_task.cancel()
    return time.monotonic() - start, runner.rounds


@pytest.mark.parametrize("activity_noted", [True, False])
def test_the_replaced_loop_waits_what_the_activity_says(monkeypatch: pytest.MonkeyPatch, activity_noted: bool) -> None:
    monkeypatch.setattr(airflow_patches, "REPORT_ACTIVITY", airflow_patches.ReportActivity())
    monkeypatch.setattr(airflow_patches, "AIRFLOW_ROUND_SECONDS", 0.25)
    monkeypatch.setattr(airflow_patches, "REPORTING_ROUND_SECONDS", 0.02)
    seconds, rounds = asyncio.run(_run_rounds(stop_after=4, reporting=activity_noted))
    assert rounds == 5
    if activity_noted:
        assert seconds < 4 * 0.25 / 2
    else:
        assert seconds >= 4 * 0.25


@pytest.mark.parametrize(("value", "seconds"), [("", 0.2), ("0.5", 0.5), (" 1 ", 1.0)])
def test_the_round_setting_takes_seconds_within_airflows_round(
    monkeypatch: pytest.MonkeyPatch, value: str, seconds: float
) -> None:
    monkeypatch.setenv("FLEXLAKE_TRIGGER_REPORTING_ROUND_SECONDS", value)
    assert settings._seconds_from_env("FLEXLAKE_TRIGGER_REPORTING_ROUND_SECONDS", 0.2, 0.05, 1.0) == seconds


@pytest.mark.parametrize("value", ["fast", "0", "2", "nan"])
def test_a_bad_round_setting_names_the_variable_and_the_range(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FLEXLAKE_TRIGGER_REPORTING_ROUND_SECONDS", value)
    with pytest.raises(ValueError, match=r"FLEXLAKE_TRIGGER_REPORTING_ROUND_SECONDS=.*from 0\.05 to 1\.0, or unset"):
        settings._seconds_from_env("FLEXLAKE_TRIGGER_REPORTING_ROUND_SECONDS", 0.2, 0.05, 1.0)
