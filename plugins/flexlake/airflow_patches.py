"""Every replacement of an Airflow internal, in one place, checked against the Airflow version it was read in.

Two patches, both for the run cost of issue 13 (docs/benchmarks.md, "Run overhead").

**Success callbacks.** A task that a trigger ends with
`TaskSuccessEvent` (every model report task of a green tenant run, dag_factory/dbt_reports.py) makes Airflow 3.3.2's
triggerer queue a `TaskCallbackRequest` of type SUCCESS for the DAG processor (airflow/models/trigger.py,
`handle_event_submit` for `BaseTaskEndEvent`, "Sending callback"). The DAG processor answers each batch of such
requests by parsing the whole DAG file again (dag_processing/processor.py `_parse_file`: `BundleDagBag(...)`, then
`_execute_callbacks`), and then drops them: `_execute_task_callbacks` runs only failure and retry callbacks
(`TaskCallbackRequest.is_failure_callback`; "Task callback requested but is not a failure callback"). For a tenant
run that is ~80 requests and a parse of dags/flexlake_tenants.py (every tenant) every few seconds while the build
and its chain of model tasks run: measured 7 extra parses in one 67 s run, ~2.6 s of CPU each, on 2 cores.

The patch drops exactly what the DAG processor would drop after that parse: a `TaskCallbackRequest` that is not a
failure callback never reaches the callback table. Failure, retry and email requests and every DAG callback (the
tenant alerts, flexlake.alerts) are sent as before.

**Quick trigger rounds while model tasks report.** Airflow 3.3.2's trigger runner (`TriggerRunner.arun`, in the
triggerer's child process) works in rounds: collect finished triggers, send their events to its supervisor and get
the triggers to start (`sync_state_to_supervisor`), start them, then wait a fixed second (`anyio.move_on_after(1)`,
no setting). The supervisor answers each message and then assigns newly deferred triggers (`run_once` →
`load_triggers`). So a model task of a run's chain (a report trigger that ends after one XCom read) waits up to a
second to be picked up, and up to another for its event to be sent: ~2 of the ~3 s each of the chain's 8 hops costs
(docs/benchmarks.md, "Where a hop's seconds go"). The replacement is 3.3.2's `arun`, statement for statement, with
that wait taken from `REPORT_ACTIVITY.round_seconds()`: `REPORTING_ROUND_SECONDS` while a report trigger ran in the
last `REPORTING_WINDOW_SECONDS` (flexlake.dag_factory.dbt_reports notes it), Airflow's second otherwise. A triggerer
with no run to report on (sensors, realtime listeners) keeps Airflow's rounds and their idle cost.
tests/unit/test_airflow_patches.py checks that the replacement differs from the installed `arun` only in that wait,
the log line saying so and the module logger it reaches through `sys.modules`.
The runner is a fork of the triggerer's supervisor process, started after the supervisor's Job loaded the plugins,
so the patch is installed where `airflow.jobs.triggerer_job_runner` is imported already: the triggerer (its CLI
command imports it first). Other components never import it and do not pay for the import.

`install()` is called once by the flexlake plugin (plugins/flexlake_plugin.py), which Airflow imports in every
component, the triggerer among them, before it handles an event. It refuses to patch an Airflow other than the one
checked here (a new Airflow may run success callbacks in the DAG processor, or stop sending them: read
`handle_event_submit`, `_execute_task_callbacks` and `TriggerRunner.arun` again, then bump CHECKED_AIRFLOW_VERSION).
This module imports only Airflow's callback classes, anyio and flexlake.settings: every component loads it.
"""

import asyncio
import functools
import math
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import airflow
import anyio
from airflow.callbacks.callback_requests import TaskCallbackRequest
from airflow.callbacks.database_callback_sink import DatabaseCallbackSink

from flexlake import settings

# requirements.txt pins apache-airflow to this version; the patch below was read against its source.
CHECKED_AIRFLOW_VERSION = "3.3.2"
RETIRED_BY = (
    "not reported upstream yet (none found 2026-12-07): Airflow's handle_event_submit for BaseTaskEndEvent should "
    "send a TaskCallbackRequest only for the states the DAG processor runs callbacks for (failed, up_for_retry)"
)
TRIGGER_ROUNDS_RETIRED_BY = (
    "not reported upstream yet (none found 2026-12-08): the trigger runner should send a trigger's event and pick up "
    "new triggers as they happen (or make its round's wait a setting) instead of once per fixed 1 s round"
)
TRIGGERER_MODULE = "airflow.jobs.triggerer_job_runner"
# TriggerRunner.arun's wait between rounds in 3.3.2, kept while no run reports.
AIRFLOW_ROUND_SECONDS = 1.0
# The wait while a run's model tasks report (settings.TRIGGER_REPORTING_ROUND_SECONDS, 0.2 s): each round is a
# message to the supervisor, which then assigns newly deferred triggers (two metadata queries) and deletes unused
# ones (one), so 5 rounds a second, only during a run.
REPORTING_ROUND_SECONDS = settings.TRIGGER_REPORTING_ROUND_SECONDS
# Longer than a hop's scheduler part (~0.5-1 s between one model task's end and the next one's deferral).
REPORTING_WINDOW_SECONDS = 15.0


class AirflowPatchError(RuntimeError):
    """Airflow is not the version the patches were checked against, or a patched name no longer exists."""


def is_dropped_by_dag_processor(callback: Any) -> bool:
    """A task callback request the DAG processor would parse the DAG file for and then not run (3.3.2)."""
    return isinstance(callback, TaskCallbackRequest) and not callback.is_failure_callback


def without_success_task_callbacks(send: Callable[..., None]) -> Callable[..., None]:
    """`DatabaseCallbackSink.send` that leaves out what `is_dropped_by_dag_processor` names."""

    @functools.wraps(send)
    def send_if_run(self: DatabaseCallbackSink, callback: Any, **kwargs: Any) -> None:
        if is_dropped_by_dag_processor(callback):
            return
        send(self, callback, **kwargs)

    send_if_run.__flexlake_patch__ = True  # type: ignore[attr-defined]
    return send_if_run


class ReportActivity:
    """When a report trigger last ran in this process, and so how long the trigger runner's next wait is."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last_seen = -math.inf

    def note(self) -> None:
        """Called by a report trigger when it starts and when it ends its task."""
        self.last_seen = self.clock()

    def round_seconds(self) -> float:
        if self.clock() - self.last_seen < REPORTING_WINDOW_SECONDS:
            return REPORTING_ROUND_SECONDS
        return AIRFLOW_ROUND_SECONDS


REPORT_ACTIVITY = ReportActivity()


async def arun_with_quick_rounds_while_reporting(self: Any) -> None:
    """`TriggerRunner.arun` of Airflow 3.3.2 with its wait between rounds from `REPORT_ACTIVITY` (module docstring).

    Statement for statement the installed method's body (its comments left out) plus one log line saying so; the
    unit test compares the two.
    """
    runner_log = sys.modules[TRIGGERER_MODULE].log
    await self.init_comms()
    self.log.info(
        "flexlake: rounds of %.1f s while a run's model tasks report, else %.1f s",
        REPORTING_ROUND_SECONDS,
        AIRFLOW_ROUND_SECONDS,
    )

    watchdog = asyncio.create_task(self.block_watchdog())
    stop_event = self._stop_event = anyio.Event()

    last_status = time.monotonic()
    try:
        while not self.stop:
            if watchdog.done():
                watchdog.result()

            if self.comms_decoder._reader_task.done():
                self.comms_decoder._reader_task.result()
                raise RuntimeError("Supervisor connection lost")

            finished_ids = await self.cleanup_finished_triggers()
            await self.sync_state_to_supervisor(finished_ids)
            await self.create_triggers()
            await self.cancel_triggers()
            with anyio.move_on_after(REPORT_ACTIVITY.round_seconds()):
                await stop_event.wait()
            if (now := time.monotonic()) - last_status >= 60:
                watchers = len([trigger for trigger in self.triggers.values() if trigger["is_watcher"]])
                triggers = len(self.triggers) - watchers
                self.log.info("%i triggers currently running", triggers)
                self.log.info("%i watchers currently running", watchers)
                last_status = now

    except Exception:
        with suppress(BrokenPipeError):
            await runner_log.aexception("Trigger runner failed")
        self.stop = True
        raise
    finally:
        if (reader_task := self.comms_decoder._reader_task) is not None:
            reader_task.cancel()
            with suppress(asyncio.CancelledError):
                await reader_task
        await self._shared_streams.stop_all()
    await watchdog


arun_with_quick_rounds_while_reporting.__flexlake_patch__ = True  # type: ignore[attr-defined]


def install_quick_trigger_rounds() -> None:
    """Replace `TriggerRunner.arun` in a process that imported the triggerer (idempotent; see the module docstring)."""
    triggerer = sys.modules.get(TRIGGERER_MODULE)
    if triggerer is None:
        return
    runner = getattr(triggerer, "TriggerRunner", None)
    if runner is None or not hasattr(runner, "arun") or not hasattr(triggerer, "log"):
        raise AirflowPatchError(
            f"Airflow {airflow.__version__} has no TriggerRunner.arun in {TRIGGERER_MODULE} any more: the quick "
            f"trigger rounds patch must be rewritten (retired by: {TRIGGER_ROUNDS_RETIRED_BY})"
        )
    if not getattr(runner.arun, "__flexlake_patch__", False):
        runner.arun = arun_with_quick_rounds_while_reporting


def install() -> None:
    """Apply the patches (idempotent). Raises AirflowPatchError instead of patching an Airflow it was not read in."""
    if airflow.__version__ != CHECKED_AIRFLOW_VERSION:
        raise AirflowPatchError(
            f"flexlake's Airflow patch (plugins/flexlake/airflow_patches.py) was checked against apache-airflow "
            f"{CHECKED_AIRFLOW_VERSION}, this is {airflow.__version__}: re-read handle_event_submit "
            f"(airflow/models/trigger.py), _execute_task_callbacks (airflow/dag_processing/processor.py) and "
            f"TriggerRunner.arun (airflow/jobs/triggerer_job_runner.py) in the new version, then update "
            f"CHECKED_AIRFLOW_VERSION or remove the patches (retired by: {RETIRED_BY}; {TRIGGER_ROUNDS_RETIRED_BY})"
        )
    send = getattr(DatabaseCallbackSink, "send", None)
    if send is None or not hasattr(TaskCallbackRequest, "is_failure_callback"):
        raise AirflowPatchError(
            f"Airflow {airflow.__version__} has no DatabaseCallbackSink.send or TaskCallbackRequest."
            f"is_failure_callback any more: the patch that drops success task callbacks must be rewritten"
        )
    if not getattr(send, "__flexlake_patch__", False):
        DatabaseCallbackSink.send = without_success_task_callbacks(send)  # type: ignore[method-assign]
    install_quick_trigger_rounds()
