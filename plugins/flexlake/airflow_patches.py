"""Every replacement of an Airflow internal, in one place, checked against the Airflow version it was read in.

One patch, for the run cost of issue 13 (docs/benchmarks.md, "Run overhead"): a task that a trigger ends with
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

`install()` is called once by the flexlake plugin (plugins/flexlake_plugin.py), which Airflow imports in every
component, the triggerer among them, before it handles an event. It refuses to patch an Airflow other than the one
checked here (a new Airflow may run success callbacks in the DAG processor, or stop sending them: read
`handle_event_submit` and `_execute_task_callbacks` again, then bump CHECKED_AIRFLOW_VERSION). This module imports
only Airflow's callback classes: every component loads it.
"""

import functools
from collections.abc import Callable
from typing import Any

import airflow
from airflow.callbacks.callback_requests import TaskCallbackRequest
from airflow.callbacks.database_callback_sink import DatabaseCallbackSink

# requirements.txt pins apache-airflow to this version; the patch below was read against its source.
CHECKED_AIRFLOW_VERSION = "3.3.2"
RETIRED_BY = (
    "not reported upstream yet (none found 2026-12-07): Airflow's handle_event_submit for BaseTaskEndEvent should "
    "send a TaskCallbackRequest only for the states the DAG processor runs callbacks for (failed, up_for_retry)"
)


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


def install() -> None:
    """Apply the patch (idempotent). Raises AirflowPatchError instead of patching an Airflow it was not read in."""
    if airflow.__version__ != CHECKED_AIRFLOW_VERSION:
        raise AirflowPatchError(
            f"flexlake's Airflow patch (plugins/flexlake/airflow_patches.py) was checked against apache-airflow "
            f"{CHECKED_AIRFLOW_VERSION}, this is {airflow.__version__}: re-read handle_event_submit "
            f"(airflow/models/trigger.py) and _execute_task_callbacks (airflow/dag_processing/processor.py) in the "
            f"new version, then update CHECKED_AIRFLOW_VERSION or remove the patch (retired by: {RETIRED_BY})"
        )
    send = getattr(DatabaseCallbackSink, "send", None)
    if send is None or not hasattr(TaskCallbackRequest, "is_failure_callback"):
        raise AirflowPatchError(
            f"Airflow {airflow.__version__} has no DatabaseCallbackSink.send or TaskCallbackRequest."
            f"is_failure_callback any more: the patch that drops success task callbacks must be rewritten"
        )
    if not getattr(send, "__flexlake_patch__", False):
        DatabaseCallbackSink.send = without_success_task_callbacks(send)  # type: ignore[method-assign]
