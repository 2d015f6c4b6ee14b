"""A stand-in for the trigger runner's channel to its supervisor, for the report triggers' unit tests.

It stands for Airflow 3.3.2's `TriggerCommsDecoder.asend` (airflow/jobs/triggerer_job_runner.py), which the
triggerer installs as `task_runner.SUPERVISOR_COMMS`, and answers the two requests the report triggers send —
`GetTaskStates` and `GetXCom` — with the Task SDK's own response models (`TaskStatesResult`, `XComResult`), from a
scripted build: at each poll of a run's watch (one `GetTaskStates`), the build's state and what it has pushed.
"""

from typing import Any

from airflow.sdk.execution_time.comms import GetTaskStates, GetXCom, TaskStatesResult, XComResult
from flexlake.dag_factory.build_watch import BUILD_TASK_ID, PROGRESS_KEY
from flexlake.dag_factory.dbt_reports import report_key

# A poll's script: the build's state, and each report task's pushed results (None: not pushed; an exception: the
# read fails).
BuildStep = tuple[str | None, dict[str, Any]]


class FakeSupervisorComms:
    """Answers from `steps`, advancing one step per `GetTaskStates` (the last repeated); records every request."""

    def __init__(self, steps: list[BuildStep]) -> None:
        self.steps = steps
        self.step = -1
        self.requests: list[Any] = []

    async def asend(self, msg: Any) -> Any:
        return self.answer(msg)

    def answer(self, msg: Any) -> Any:
        """The supervisor's response to one request."""
        self.requests.append(msg)
        if isinstance(msg, GetTaskStates):
            self.step = min(self.step + 1, len(self.steps) - 1)
            assert msg.task_ids == [BUILD_TASK_ID] and msg.run_ids, msg
            return TaskStatesResult(task_states={msg.run_ids[0]: {BUILD_TASK_ID: self.steps[self.step][0]}})
        if isinstance(msg, GetXCom):
            assert msg.task_id == BUILD_TASK_ID and msg.map_index == -1, msg
            return XComResult(key=msg.key, value=self._xcom(msg.key))
        raise AssertionError(f"a report trigger sent {msg!r}")

    def _xcom(self, key: str) -> Any:
        pushed = self.steps[max(self.step, 0)][1]
        if failure := next((value for value in pushed.values() if isinstance(value, Exception)), None):
            raise failure
        if key == PROGRESS_KEY:
            reported = sorted(task_id for task_id, reports in pushed.items() if reports)
            tries = [reports[0].get("build_try_number", 1) for reports in pushed.values() if reports]
            return {"build_try_number": max(tries), "reported": reported} if reported else None
        return next((reports for task_id, reports in pushed.items() if report_key(task_id) == key), None)
