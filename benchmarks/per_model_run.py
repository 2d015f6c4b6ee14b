"""The stack side of run_overhead_benchmark.py --per-model (issue 13 item 5): a DAG bundle of the benchmark's own
with benchmarks/per_model_dag.py, the old per-model mode's run on the same stack and data, and its figures."""

import json
import shutil
import statistics
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.stack_cpu import triggered_run
from tests.integration.airflow_servers import AirflowStack, all_task_instances, wait_for_dag_listed

PER_MODEL_BUNDLE = "flexlake-bench-per-model"
# The DAG file's name in the bundle (not dbt_*.py: dbt's plugin discovery would import it).
PER_MODEL_DAG_FILE = "flexlake_bench_per_model.py"
# How often the dag-processor lists the bundle: the DAG file is copied in only after the shipped runs and the bare
# build (an empty folder until then, so nothing else is parsed while they are measured), and is seen this soon.
PER_MODEL_BUNDLE_REFRESH_SECONDS = 10


def per_model_bundle_env(bundle: Path) -> dict[str, str]:
    """The stack's DAG bundles: the product's dags/ folder as by default, and `bundle` for the per-model DAG (the
    product's DAG file and tenant_configs/ never see it)."""
    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    bundles = [
        {"name": "dags-folder", "classpath": local, "kwargs": {}},
        {
            "name": PER_MODEL_BUNDLE,
            "classpath": local,
            "kwargs": {"path": str(bundle), "refresh_interval": PER_MODEL_BUNDLE_REFRESH_SECONDS},
        },
    ]
    return {"AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST": json.dumps(bundles)}


def per_model_run(stack: AirflowStack, tenant_id: str, warehouse: str, bundle: Path) -> dict[str, Any]:
    """The tenant's dbt work as the old per-model mode, triggered and timed like the shipped run."""
    from benchmarks import per_model_dag  # noqa: PLC0415 - flexlake and Cosmos only when measured (as above)

    per_model_dag.write_per_model_params(bundle, stack.tenant_configs_dir / f"{tenant_id}.yaml")
    dag_file = bundle / PER_MODEL_DAG_FILE
    if not dag_file.exists():  # a second tenant's DAG comes from the same file, at its next parse
        shutil.copyfile(per_model_dag.__file__, dag_file)
    dag_id = per_model_dag.per_model_dag_id(tenant_id)
    wait_for_dag_listed(stack, dag_id, timeout=300)
    run, figures = triggered_run(stack, dag_id, timeout=3600)
    result = {**figures, **_per_model_tasks(stack, dag_id, run.dag_run_id)}
    print(warehouse, "per_model_run", json.dumps(result), file=sys.stderr, flush=True)
    return result


def _per_model_tasks(stack: AirflowStack, dag_id: str, dag_run_id: str) -> dict[str, Any]:
    """Every task of the per-model DAG is a dbt task run on a worker: the dbt part spans them all."""
    from airflow_client.client import TaskInstanceApi  # noqa: PLC0415

    with stack.api_client() as client:
        instances = all_task_instances(TaskInstanceApi(client), dag_id, dag_run_id)
    start = min(i.start_date for i in instances if i.start_date is not None)
    end = max(i.end_date for i in instances if i.end_date is not None)
    durations = [i.duration or 0.0 for i in instances]
    return {
        "dbt_tasks": len(instances),
        "dbt_tasks_by_kind": _tasks_by_kind(i.task_id for i in instances),
        "dbt_part_seconds": round((end - start).total_seconds(), 1),
        "dbt_tasks_on_a_worker": sum(1 for i in instances if i.queued_when is not None),
        "dbt_worker_seconds": round(sum(durations), 1),
        "dbt_task_median_seconds": round(statistics.median_high(durations), 1),
    }


def _tasks_by_kind(task_ids: Iterator[str]) -> dict[str, int]:
    """Cosmos's task ids: `<model>.run`, `<seed>.seed`, `<node>.test` (its tests after it), `<test>_test` (a test
    of several models), a bare `<model>_run` for a model without tests."""
    return dict(
        Counter(task_id.rsplit(".", 1)[1] if "." in task_id else task_id.rsplit("_", 1)[1] for task_id in task_ids)
    )
