"""Run-overhead benchmark (issue 13): a tenant run's dbt part on the real stack against a bare `dbt build`.

On the stack of `make up` (scripts/airflow_up.sh: api-server, scheduler with LocalExecutor, dag-processor,
triggerer), a tenant of the whole product (faker source, professional tier: 4 threads) per warehouse — DuckDB,
and PostgreSQL on a throw-away server of the machine's PostgreSQL 15 — is run twice, one tenant after the other:
the first run loads from empty, the second is the hourly case (an incremental build after a new sync). For
each run:
  - dbt part: `dbt_build` start -> the last `dbt_transform.*` task's end (what the run waits for dbt), and its
    report phase (the build's end -> the last report task's end: what the run still waits once dbt is done), and
    the seconds per hop of the longest report-task chain (which starts with the build and overlaps it);
  - worker-seconds: the durations of the dbt tasks that ran on a worker (report tasks ended in the triggerer
    take none);
  - machine CPU-seconds from trigger to the run's end (every Airflow component and worker: the run's cost);
  - before the first run, the idle stack's CPU per minute (the machine's, and each component's: what a tighter
    scheduler or triggerer loop costs when nothing runs);
then, in the same script and on the same data right after the second run (the stack idle), a bare
`dbt build` with the same selection (the DAG's own), vars, threads and profile (the dbt CLI, as a user would
run it), as an incremental build after the same sync, with its wall and CPU seconds. Ratios: dbt part / bare
dbt build (wall), and the run's machine CPU / bare dbt build's CPU.

With `--per-model` (issue 13 item 5, "the old per-model mode"), right after the bare build (so also an incremental
build after the same sync), a benchmark-only DAG `flexlake_bench_per_model__<tenant_id>` (benchmarks/per_model_dag.py:
Cosmos's standard layout, one dbt invocation per model task and its tests in a task after it, on the shipped build's
selection, vars, threads and profile) is run on the same stack and data, from a DAG bundle of its own: trigger ->
success, its dbt part (first task start -> last task end), worker-seconds (every task ran on a worker) and machine
CPU; ratio of its dbt part to the bare build.

With `--nothing-new` (issue 14, "a run with no new data"), the tenant's faker source has `always_updated: false`
(the connector's incremental state: a sync after the first emits nothing), and the two runs are the building run
(from empty: the full build) and a run whose sync brought nothing new, which skips dbt (dag_factory/build_ledger.py).
For both: trigger -> success, the `dbt_build` and `publish_catalog` task durations, the dbt part, worker-seconds
(every task that ran on a worker) and machine CPU; ratios nothing-new / building of each (issue 14's goal: the dbt
part <= 0.05 of a full build). No bare dbt build in this mode.

Run from the repository root (manifest built first, see README):
    .venv/bin/python -m benchmarks.run_overhead_benchmark [--count 1000] [--warehouses duckdb postgres]
        [--nothing-new | --per-model] [--output FILE]
Prints one JSON document (and writes it to FILE); docs/benchmarks.md quotes a real run.
"""

import argparse
import contextlib
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.machine import machine_facts
from benchmarks.per_model_run import per_model_bundle_env, per_model_run
from benchmarks.report_chain import (
    last_chain_or_why_not,
    report_depth,
    seconds_per_hop_after_first,
    serialized_dag_figures,
)
from benchmarks.stack_cpu import IDLE_SECONDS, idle_stack_cpu, triggered_run
from benchmarks.warehouse_build_benchmark import postgres_server
from tests.integration.airflow_servers import (
    AirflowStack,
    all_task_instances,
    running_airflow_stack,
    wait_for_dag_listed,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_TASK_PREFIXES = ("dbt_build", "dbt_transform.")
PG_CONNECTION_ID = "bench_pg_wh"


@dataclass(frozen=True)
class BenchTenant:
    """One measured tenant: its warehouse block, and the environment its stack needs for it (a connection)."""

    warehouse: str
    warehouse_yaml: str
    env: dict[str, str]

    @property
    def tenant_id(self) -> str:
        return f"bench_{self.warehouse}"

    @property
    def dag_id(self) -> str:
        return f"flexlake__{self.tenant_id}"

    def yaml(self, count: int, *, always_updated: bool = True) -> str:
        """The tenant file; `always_updated: false` makes every sync after the first bring nothing new. Yearly: the
        tier's hourly schedule started a run of its own beside the measured ones when a benchmark crossed the hour
        (2026-12-07 18:00 UTC); the measured runs are triggered."""
        updated = "" if always_updated else ", always_updated: false"
        return (
            f"tenant_id: {self.tenant_id}\ndisplay_name: Bench {self.warehouse}\ntier: professional\n"
            "schedule: '@yearly'\n"
            f"warehouse: {self.warehouse_yaml}\n"
            f"sources: [{{name: shop, system: faker, options: {{count: {count}, seed: 1{updated}}}}}]\n"
        )


@contextlib.contextmanager
def bench_tenants(warehouses: list[str], root: Path) -> Iterator[list[BenchTenant]]:
    """The tenants to measure; a PostgreSQL server for the PostgreSQL one, stopped on exit."""
    with contextlib.ExitStack() as stack:
        tenants = []
        for warehouse in warehouses:
            if warehouse == "duckdb":
                tenants.append(BenchTenant("duckdb", "{type: duckdb}", {}))
                continue
            server = stack.enter_context(postgres_server(root / "pg"))
            uri = f"postgres://{server.user}:{server.password}@{server.host}:{server.port}/{server.dbname}"
            warehouse_yaml = f"{{type: postgres, connection_id: {PG_CONNECTION_ID}, database: {server.dbname}}}"
            env = {f"AIRFLOW_CONN_{PG_CONNECTION_ID.upper()}": uri}
            tenants.append(BenchTenant("postgres", warehouse_yaml, env))
        yield tenants


def _dbt_part(stack: AirflowStack, dag_id: str, dag_run_id: str) -> dict[str, Any]:
    from airflow_client.client import TaskInstanceApi  # noqa: PLC0415
    from flexlake.dag_factory import build_tenant_dags  # noqa: PLC0415

    with stack.api_client() as client:
        instances = all_task_instances(TaskInstanceApi(client), dag_id, dag_run_id)
    dbt = [i for i in instances if i.task_id.startswith(DBT_TASK_PREFIXES)]
    build = next(i for i in dbt if i.task_id == "dbt_build")
    publish = next(i for i in instances if i.task_id == "publish_catalog")
    # A report task ended in the triggerer was never queued to a worker (dag_factory/dbt_reports.py); a model task
    # the build skipped (nothing new) was never queued either.
    on_worker = [i for i in dbt if i.queued_when is not None]
    end = max(i.end_date for i in dbt if i.end_date is not None)
    report_phase = (end - build.end_date).total_seconds()
    dag = build_tenant_dags(stack.tenant_configs_dir)[dag_id]  # once: both chain figures read its graph
    depth = report_depth(dag)
    chain = last_chain_or_why_not(stack, dag, dag_run_id, dbt, build)
    return {
        "dbt_tasks": len(dbt),
        "dbt_tasks_skipped": sum(1 for i in dbt if i.state == "skipped"),
        "dbt_build_task_seconds": round(build.duration, 1),
        "publish_catalog_task_seconds": round(publish.duration, 1),
        "dbt_part_seconds": round((end - build.start_date).total_seconds(), 1),
        "dbt_tasks_on_a_worker": len(on_worker),
        "dbt_worker_seconds": round(sum(i.duration or 0.0 for i in on_worker), 1),
        "run_worker_seconds": round(sum(i.duration or 0.0 for i in instances if i.queued_when is not None), 1),
        "report_phase_seconds": round(report_phase, 1),
        "report_chain_depth": depth,
        "chain_seconds_per_hop": round((end - build.start_date).total_seconds() / depth, 2),
        "chain_seconds_per_hop_after_its_first_task": seconds_per_hop_after_first(chain),
        "last_chain": chain,
        "serialized_dag": serialized_dag_figures(dag),
    }


def _run(stack: AirflowStack, dag_id: str) -> dict[str, Any]:
    run, figures = triggered_run(stack, dag_id, timeout=1800)
    return {**figures, **_dbt_part(stack, dag_id, run.dag_run_id)}


def _bare_dbt_build(stack: AirflowStack, bench: BenchTenant) -> dict[str, float]:
    """`dbt build` of the tenant's selection with its vars and profile, timed as a whole CLI command: wall seconds
    and the CPU seconds of the dbt process."""
    from flexlake import settings  # noqa: PLC0415
    from flexlake.dag_factory import build_tenant_dags  # noqa: PLC0415
    from flexlake.dag_factory.dbt_operator import DbtNodeOperator, dbt_vars  # noqa: PLC0415
    from flexlake.tenant_config import load_tenant_config  # noqa: PLC0415
    from flexlake.warehouses import get_warehouse  # noqa: PLC0415

    settings.DATA_DIR = stack.data_dir  # the stack's warehouse files, not this checkout's
    tenant = load_tenant_config(stack.tenant_configs_dir / f"{bench.tenant_id}.yaml")
    os.environ.update(bench.env)  # the warehouse connection the profile mapping reads, as the stack has it
    # The very nodes the DAG's dbt_build selects (every model and test it has a task for).
    build_task = build_tenant_dags(stack.tenant_configs_dir)[bench.dag_id].get_task("dbt_build")
    assert isinstance(build_task, DbtNodeOperator) and build_task.select, build_task
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "dbt"
        shutil.copytree(PROJECT_ROOT / "include" / "dbt", project, ignore=shutil.ignore_patterns("target", "logs"))
        profile = get_warehouse(tenant.warehouse.type).profile_config(tenant)
        with profile.ensure_profile() as (profile_path, env):
            command = [
                str(PROJECT_ROOT / ".venv" / "bin" / "dbt"),
                "build",
                "--project-dir", str(project),
                "--profiles-dir", str(Path(profile_path).parent),
                "--profile", profile.profile_name,
                "--target", profile.target_name,
                "--vars", json.dumps(dbt_vars(tenant)),
                "--select", build_task.select,
                "--indirect-selection", "empty",
            ]  # fmt: skip
            started, cpu_before = time.monotonic(), _children_cpu_seconds()
            done = subprocess.run(
                command, check=False, env={**os.environ, **env}, capture_output=True, text=True, cwd=project
            )
            if done.returncode:
                raise RuntimeError(f"bare dbt build failed:\n{done.stdout[-3000:]}")
            return {
                "seconds": round(time.monotonic() - started, 1),
                "cpu_seconds": round(_children_cpu_seconds() - cpu_before, 1),
            }


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="faker users (orders scale with it)")
    parser.add_argument("--warehouses", nargs="+", choices=("duckdb", "postgres"), default=["duckdb", "postgres"])
    parser.add_argument(
        "--nothing-new",
        action="store_true",
        help="a building run, then a run whose sync brings nothing new (faker always_updated: false); no bare build",
    )
    parser.add_argument(
        "--per-model",
        action="store_true",
        help="after the bare build, also run the old per-model mode (benchmarks/per_model_dag.py) on the same data",
    )
    parser.add_argument("--output", type=Path)
    parser.add_argument("--keep-logs", type=Path, help="copy the stack's logs (components and tasks) here at the end")
    args = parser.parse_args()
    if args.nothing_new and args.per_model:
        parser.error("--per-model is measured against the bare build, which --nothing-new does not run")
    result: dict[str, Any] = {
        "machine": machine_facts(),
        "faker_count": args.count,
        "nothing_new": args.nothing_new,
        "per_model": args.per_model,
    }
    with tempfile.TemporaryDirectory() as root, bench_tenants(args.warehouses, Path(root)) as tenants:
        env = {key: value for tenant in tenants for key, value in tenant.env.items()}
        measure = _measure_nothing_new if args.nothing_new else _measure
        if args.per_model:
            bundle = Path(root) / "per_model_bundle"
            bundle.mkdir()
            env.update(per_model_bundle_env(bundle))
            measure = functools.partial(_measure, per_model_bundle=bundle)
        with running_airflow_stack(Path(root) / "stack", extra_env=env) as stack:
            time.sleep(IDLE_SECONDS)  # the start-up's first parses and migrations settle first
            result["idle_stack"] = idle_stack_cpu(stack)
            print("idle stack", json.dumps(result["idle_stack"]), file=sys.stderr, flush=True)
            for tenant in tenants:
                result[tenant.warehouse] = measure(stack, tenant, args.count)
            if args.keep_logs:  # the triggerer's, scheduler's and tasks' timestamps of a hop (docs/benchmarks.md)
                shutil.copytree(stack.airflow_home / "logs", args.keep_logs, dirs_exist_ok=True)
    document = json.dumps(result, indent=2, default=str)
    print(document)
    if args.output:
        args.output.write_text(document + "\n")


def _measure(
    stack: AirflowStack, tenant: BenchTenant, count: int, per_model_bundle: Path | None = None
) -> dict[str, Any]:
    """Two runs of the tenant (from empty, then the hourly case), then the bare build on the same data, then (with a
    per-model bundle) the old per-model mode on that data too."""
    (stack.tenant_configs_dir / f"{tenant.tenant_id}.yaml").write_text(tenant.yaml(count))
    wait_for_dag_listed(stack, tenant.dag_id, timeout=180)
    result: dict[str, Any] = {}
    for label in ("first_run", "second_run"):
        result[label] = _run(stack, tenant.dag_id)
        print(tenant.warehouse, label, json.dumps(result[label]), file=sys.stderr, flush=True)
    bare = _bare_dbt_build(stack, tenant)
    result["bare_dbt_build_incremental_seconds"] = bare["seconds"]
    result["bare_dbt_build_incremental_cpu_seconds"] = bare["cpu_seconds"]
    second = result["second_run"]
    result["ratio_dbt_part_to_bare_dbt_build"] = round(second["dbt_part_seconds"] / bare["seconds"], 2)
    result["ratio_run_machine_cpu_to_bare_dbt_cpu"] = round(second["machine_cpu_seconds"] / bare["cpu_seconds"], 2)
    if per_model_bundle is not None:
        per_model = per_model_run(stack, tenant.tenant_id, tenant.warehouse, per_model_bundle)
        result["per_model_run"] = per_model
        result["ratio_per_model_dbt_part_to_bare_dbt_build"] = round(per_model["dbt_part_seconds"] / bare["seconds"], 2)
        result["ratio_per_model_dbt_part_to_shipped_dbt_part"] = round(
            per_model["dbt_part_seconds"] / second["dbt_part_seconds"], 2
        )
    print(tenant.warehouse, json.dumps(result), file=sys.stderr, flush=True)
    return result


# What a nothing-new run is compared on with the building run (issue 14: the dbt part <= 0.05 of a full build).
NOTHING_NEW_COMPARED = (
    "trigger_to_end_seconds",
    "dbt_part_seconds",
    "dbt_build_task_seconds",
    "publish_catalog_task_seconds",
    "run_worker_seconds",
    "machine_cpu_seconds",
)


def _measure_nothing_new(stack: AirflowStack, tenant: BenchTenant, count: int) -> dict[str, Any]:
    """The building run (from empty), then a run whose sync brings nothing new; each figure's ratio between them."""
    (stack.tenant_configs_dir / f"{tenant.tenant_id}.yaml").write_text(tenant.yaml(count, always_updated=False))
    wait_for_dag_listed(stack, tenant.dag_id, timeout=180)
    result: dict[str, Any] = {}
    for label in ("building_run", "nothing_new_run"):
        result[label] = _run(stack, tenant.dag_id)
        print(tenant.warehouse, label, json.dumps(result[label]), file=sys.stderr, flush=True)
    building, quiet = result["building_run"], result["nothing_new_run"]
    if quiet["dbt_tasks_skipped"] == 0:
        raise RuntimeError(f"the nothing-new run built dbt nodes: its sync brought records? {quiet}")
    result["ratio_nothing_new_to_building"] = {
        key: round(quiet[key] / building[key], 3) if building[key] else None for key in NOTHING_NEW_COMPARED
    }
    return result


if __name__ == "__main__":
    main()
