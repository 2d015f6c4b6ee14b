"""The chain of model tasks a tenant run waits through, for run_overhead_benchmark.py: how deep it is, and the chain
that ended last, hop by hop (when dbt finished a task's nodes against when its task started and ended).

Why: the model tasks' chain is what a run waits for after its one `dbt build` (issue 13 item 5); these figures say
whether a hop waits on dbt or on Airflow's scheduler and triggerer.
"""

import datetime as dt
import json
import statistics
import time
from typing import Any

from tests.integration.airflow_servers import AirflowStack


def report_depth(dag: Any) -> int:
    """The longest chain of report tasks (dbt's dependencies; a model's tests are in its task): the hops a green
    run's model tasks pass through, one scheduler and triggerer round each, while and after the build runs."""
    reports = {task.task_id for task in dag.tasks if task.task_id.startswith("dbt_transform.")}
    depth: dict[str, int] = {}
    for task in dag.topological_sort():
        if task.task_id in reports:
            depth[task.task_id] = 1 + max((depth[up] for up in task.upstream_task_ids if up in depth), default=0)
    return max(depth.values())


def serialized_dag_figures(dag: Any, repeats: int = 9) -> dict[str, Any]:
    """What the triggerer deserializes for every model task's trigger (Airflow 3.3.2's `create_runtime_ti`: the whole
    serialized DAG, on its event loop): its size, the share of it that is tasks' own copies of params, and the
    median time of `from_dict` + `get_task` for one model task on this machine."""
    from airflow.serialization.serialized_objects import DagSerialization  # noqa: PLC0415

    encoded = DagSerialization.to_dict(dag)
    size = len(json.dumps(encoded))
    task_params = sum(len(json.dumps(task["__var"].get("params", []))) for task in encoded["dag"]["tasks"])
    model_task = next(task.task_id for task in dag.tasks if task.task_id.startswith("dbt_transform."))
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        DagSerialization.from_dict(encoded).get_task(model_task)
        seconds.append(time.perf_counter() - started)
    return {
        "kb": round(size / 1024, 1),
        "tasks_own_params_share": round(task_params / size, 3),
        "deserialize_for_one_task_ms": round(statistics.median(seconds) * 1000, 1),
    }


def seconds_per_hop_after_first(chain: Any) -> float | None:
    """From the end of the chain's first task to the end of its last, per hop: what a hop costs once the chain lags
    dbt (Airflow's scheduler and triggerer rounds), whatever the build's own length. None when not measured."""
    if not isinstance(chain, list) or len(chain) < 2:
        return None
    return round((chain[-1][3] - chain[0][3]) / (len(chain) - 1), 2)


def last_chain_or_why_not(stack: AirflowStack, dag: Any, dag_run_id: str, dbt: list[Any], build: Any) -> Any:
    """A diagnostic must not lose the run's measurements: its failure is reported in its place."""
    try:
        return _last_chain(stack, dag, dag_run_id, dbt, build)
    except Exception as error:
        return f"not measured: {type(error).__name__}: {error}"


def _last_chain(stack: AirflowStack, dag: Any, dag_run_id: str, dbt: list[Any], build: Any) -> list[list[Any]]:
    """The chain of model tasks that ended last, each with when dbt finished its nodes and when its task started
    and ended (seconds after the build task started): where the report phase waits — on dbt, or on Airflow."""
    from airflow_client.client import XComApi  # noqa: PLC0415
    from flexlake.dag_factory.dbt_reports import report_key  # noqa: PLC0415

    by_id = {i.task_id: i for i in dbt if i.end_date is not None and i.task_id != "dbt_build"}
    task_id: str | None = max(by_id, key=lambda t: by_id[t].end_date)
    chain: list[list[Any]] = []
    with stack.api_client() as client:
        xcoms = XComApi(client)
        while task_id is not None:
            instance = by_id[task_id]
            entry = xcoms.get_xcom_entry(
                dag_id=dag.dag_id,
                task_id="dbt_build",
                dag_run_id=dag_run_id,
                xcom_key=report_key(task_id),
                deserialize=True,
            )
            reports = getattr(entry, "actual_instance", entry).value  # the client's oneOf wrapper
            finished = max(str(r.get("completed_at") or "") for r in reports or [{}]) or None
            offset = lambda moment: round((moment - build.start_date).total_seconds(), 1)  # noqa: E731
            dbt_done = offset(_utc(finished)) if finished else None
            chain.append([task_id, dbt_done, offset(instance.start_date), offset(instance.end_date)])
            upstream = [up for up in dag.get_task(task_id).upstream_task_ids if up in by_id]
            task_id = max(upstream, key=lambda t: by_id[t].end_date) if upstream else None
    return chain[::-1]


def _utc(iso: str) -> Any:
    """dbt's naive UTC timestamp as an aware datetime (the API's dates are aware)."""
    moment = dt.datetime.fromisoformat(iso)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
