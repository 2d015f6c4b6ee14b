"""Onboarding and dag-processor benchmark on the real stack of `make up` (scripts/airflow_up.sh).

Measures, with the shipped dag-processor settings:
  - API ready: script start -> /api/v2/monitor/health reports every component healthy;
  - first listing: script start -> every demo tenant's DAG listed;
  - file drop -> DAG listed, for several new tenant files dropped one after another;
  - peak RSS of the dag-processor and its children (sampled every 0.5 s) while it parses them;
  - the starter tenant's trigger -> success, right after unpausing and once more with the DAG idle.

Run from the repository root (manifest built first, see README):
    .venv/bin/python -m benchmarks.onboarding_benchmark [--drops 3] [--output FILE]
Prints one JSON document (and writes it to FILE); docs/benchmarks.md quotes a real run.
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.machine import machine_facts
from tests.integration.airflow_servers import (
    COMPONENTS,
    AirflowStack,
    running_airflow_stack,
    tree_rss_bytes,
    unpause_trigger_and_wait,
    wait_for_dag_listed,
)

STARTER_TENANT = "bluebird_books"
NEW_TENANTS = ("dora_deli", "eagle_eats", "fern_foods", "gull_grocers", "heron_hats")
MIB = 1024 * 1024


def _drop_tenant(stack: AirflowStack, tenant_id: str) -> None:
    text = (stack.tenant_configs_dir / f"{STARTER_TENANT}.yaml").read_text()
    staging = stack.tenant_configs_dir / f".{tenant_id}.yaml.tmp"
    staging.write_text(text.replace(f"tenant_id: {STARTER_TENANT}", f"tenant_id: {tenant_id}"))
    staging.rename(stack.tenant_configs_dir / f"{tenant_id}.yaml")


def _onboarding(stack: AirflowStack, drops: int) -> dict[str, Any]:
    seconds = []
    for tenant_id in NEW_TENANTS[:drops]:
        dropped_at = time.monotonic()
        _drop_tenant(stack, tenant_id)
        wait_for_dag_listed(stack, f"flexlake__{tenant_id}", timeout=180, poll=0.5)
        seconds.append(round(time.monotonic() - dropped_at, 1))
    return {
        "drop_to_listed_seconds": seconds,
        "drop_to_listed_median_seconds": statistics.median(seconds),
    }


def _runs(stack: AirflowStack) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for label in ("first_after_unpause", "second_idle"):
        run = unpause_trigger_and_wait(stack, f"flexlake__{STARTER_TENANT}", timeout=900)
        result[label] = {
            "state": run.state,
            "trigger_to_end_seconds": round(run.trigger_to_end_seconds, 1),
            "run_start_to_end_seconds": round(run.run_seconds, 1) if run.run_seconds else None,
            "tasks": len(run.task_states),
        }
    from airflow_client.client import DagRunApi  # noqa: PLC0415

    with stack.api_client() as client:
        runs = DagRunApi(client).get_dag_runs(f"flexlake__{STARTER_TENANT}", limit=100).dag_runs
    result["all_runs"] = [
        {"run_type": str(getattr(r.run_type, "value", r.run_type)), "state": str(getattr(r.state, "value", r.state))}
        for r in runs
    ]
    return result


def run_benchmark(drops: int) -> dict[str, Any]:
    report: dict[str, Any] = {"machine": machine_facts()}
    with tempfile.TemporaryDirectory(prefix="flexlake-bench-") as tmp, running_airflow_stack(Path(tmp)) as stack:
        report["settings"] = {  # airflow_up.sh's shipped values (the benchmark does not override them)
            "min_file_process_interval": 30,
            "refresh_interval": 300,
            "executor": "LocalExecutor",
            "metadata_db": "sqlite",
        }
        report["api_ready_seconds"] = round(stack.ready_seconds, 1)
        demo = {f"flexlake__{path.stem}" for path in stack.tenant_configs_dir.glob("[!_]*.yaml")}
        for dag_id in sorted(demo):
            wait_for_dag_listed(stack, dag_id, timeout=180, poll=0.5)
        report["demo_tenants"] = len(demo)
        report["start_to_demo_dags_listed_seconds"] = round(time.monotonic() - stack.started_at, 1)
        report["onboarding"] = _onboarding(stack, drops)
        assert stack.dag_processor_rss is not None
        report["dag_processor_peak_rss_mib_while_parsing"] = round(stack.dag_processor_rss.peak_bytes / MIB)
        report["dag_processor_rss_samples"] = stack.dag_processor_rss.samples
        report["starter_runs"] = _runs(stack)
        report["dag_processor_peak_rss_mib_overall"] = round(stack.dag_processor_rss.peak_bytes / MIB)
        report["component_tree_rss_mib_at_end"] = {
            name: round(tree_rss_bytes(process) / MIB)
            for name in COMPONENTS
            if (process := stack.component_process(name)) is not None
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drops", type=int, default=3, help="new tenant files to drop, one after another (max 5)")
    parser.add_argument("--output", type=Path, help="also write the JSON report here")
    arguments = parser.parse_args()
    report = json.dumps(run_benchmark(min(arguments.drops, len(NEW_TENANTS))), indent=2)
    if arguments.output:
        arguments.output.write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
