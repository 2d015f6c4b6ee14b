"""The Airflow patch (flexlake/airflow_patches.py): installed by the plugin, pinned, what reaches the callback table.

The table is Airflow's own `callback_request` (DbCallbackRequest) on a throw-away SQLite file; the requests are
Airflow's own models, sent through Airflow's `DatabaseCallbackSink`, as the triggerer sends them.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import airflow
import pytest
from airflow.api_fastapi.execution_api.datamodels.taskinstance import TaskInstance
from airflow.callbacks.callback_requests import DagCallbackRequest, TaskCallbackRequest
from airflow.callbacks.database_callback_sink import DatabaseCallbackSink
from airflow.models import import_all_models
from airflow.models.base import Base
from airflow.models.db_callback_request import DbCallbackRequest
from airflow.utils.state import TaskInstanceState
from flexlake import airflow_patches
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
