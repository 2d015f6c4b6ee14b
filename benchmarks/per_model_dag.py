"""Benchmark only (issue 13 item 5): "the old per-model mode", a tenant's dbt work as Cosmos's standard layout.

Every model (and seed) is its own Airflow task running its own dbt invocation (`ExecutionMode.LOCAL`, in-process dbt
as the product runs it: `dbt run --select <model>`), its tests in a task right after it (`TestBehavior.AFTER_EACH`,
`dbt test --select <model>`). This is what a tenant run was before issue 13 made it one `dbt build` plus report tasks
(measured 8.8x a bare build on 2026-12-05); the product no longer ships it, so run_overhead_benchmark.py
`--per-model` builds it here to measure it on the same stack and data as the shipped mode.

It renders what the tenant's shipped `dbt_build` runs: the same selection (the tenant's exclusions,
dbt_task_group.dbt_exclude), vars (dbt_vars), profile and threads (the warehouse's profile_config: the tier's threads),
and the tests the shipped build runs, each once:
- tests are selected cautiously (a test runs only with all the models it reads: the old mode did the same, and the
  shipped build selects only those tests), and a test of several models gets a task of its own after them
  (`should_detach_multiple_parents_tests`), as the old mode had;
- Cosmos renders a test when *any* model it reads is rendered, whatever the excludes say (DbtGraph adds every test
  of a kept node back after selection), and that test's task would fail on the missing table (a relationship test
  from an excluded mart to a kept dimension). So the graph renders from a copy of the tenant's manifest (the one
  dag_factory renders from) without those tests: write_per_model_params writes it beside the parameters file.

Not shipped: nothing in dags/ or plugins/ imports it. The benchmark writes `<tenant_id>.per_model.json` (the tenant
file to read, the manifest copy) into a DAG bundle folder of its own on the benchmark's stack, then copies this file
beside it; each parameters file there becomes one DAG `flexlake_bench_per_model__<tenant_id>`. tenant_configs/ never
sees it.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cosmos import DbtDag, ExecutionConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
from flexlake.dag_factory.dbt_graph import read_shared_manifest, selected_graph
from flexlake.dag_factory.dbt_operator import NO_COLORS_FLAG, dbt_vars
from flexlake.dag_factory.dbt_project import tenant_dbt_project
from flexlake.dag_factory.dbt_task_group import dbt_exclude
from flexlake.dag_factory.tenant_dag import MAX_ACTIVE_TASKS
from flexlake.dag_factory.writer_lock import SINGLE_WRITER_WAREHOUSES
from flexlake.tenant_config import TenantConfig, load_tenant_config
from flexlake.warehouses import get_warehouse

DAG_ID_PREFIX = "flexlake_bench_per_model__"
PARAMS_SUFFIX = ".per_model.json"


@dataclass(frozen=True)
class PerModelParams:
    """What the benchmark hands the DAG file: the tenant file whose shipped dbt work is rendered per model, and the
    manifest copy to render it from (write_per_model_params)."""

    tenant_file: Path
    manifest: Path

    @classmethod
    def read(cls, path: Path) -> "PerModelParams":
        try:
            document = json.loads(path.read_text())
            return cls(tenant_file=Path(document["tenant_file"]), manifest=Path(document["manifest"]))
        except (KeyError, TypeError, json.JSONDecodeError) as error:
            raise ValueError(
                f"{path}: expected a JSON object with 'tenant_file' and 'manifest' paths ({error!r}); "
                "write it with benchmarks.per_model_dag.write_per_model_params"
            ) from error


def write_per_model_params(folder: Path, tenant_file: Path) -> Path:
    """`<tenant_id>.per_model.json` and the manifest copy it names, in `folder` (the benchmark's DAG bundle)."""
    tenant = load_tenant_config(tenant_file)
    project = tenant_dbt_project(tenant)
    manifest = folder / f"{tenant.tenant_id}.manifest.json"
    pruned = manifest_without_tests_of_unselected_models(project.project_dir, project.manifest, dbt_exclude(tenant))
    manifest.write_text(json.dumps(pruned))
    params = folder / f"{tenant.tenant_id}{PARAMS_SUFFIX}"
    params.write_text(json.dumps({"tenant_file": str(tenant_file), "manifest": str(manifest)}) + "\n")
    return params


def per_model_dag_id(tenant_id: str) -> str:
    return f"{DAG_ID_PREFIX}{tenant_id}"


def build_per_model_dags(folder: Path) -> dict[str, DbtDag]:
    """One per-model DAG for each parameters file in `folder` (none in benchmarks/ itself)."""
    dags = [build_per_model_dag(PerModelParams.read(path)) for path in sorted(folder.glob(f"*{PARAMS_SUFFIX}"))]
    return {dag.dag_id: dag for dag in dags}


def build_per_model_dag(params: PerModelParams) -> DbtDag:
    """The tenant's shipped dbt selection, one Cosmos LOCAL task per model and its tests after it."""
    tenant = load_tenant_config(params.tenant_file)
    project = tenant_dbt_project(tenant)
    return DbtDag(
        dag_id=per_model_dag_id(tenant.tenant_id),
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=1,
        max_active_tasks=max_active_tasks(tenant),
        tags=["flexlake-benchmark", f"tenant:{tenant.tenant_id}", f"warehouse:{tenant.warehouse.type}"],
        default_args={"retries": 0},  # a failing model is a finding, not something to retry past
        project_config=ProjectConfig(
            dbt_project_path=project.project_dir, manifest_path=params.manifest, install_dbt_deps=False
        ),
        profile_config=get_warehouse(tenant.warehouse.type).profile_config(tenant),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            exclude=list(dbt_exclude(tenant)),
            test_behavior=TestBehavior.AFTER_EACH,
            should_detach_multiple_parents_tests=True,
            emit_datasets=False,
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
            test_indirect_selection=TestIndirectSelection.CAUTIOUS,
        ),
        operator_args=operator_args(tenant),
    )


def max_active_tasks(tenant: TenantConfig) -> int:
    """DuckDB: one task at a time (one writer per warehouse file; the shipped model tasks take a file lock, these
    Cosmos tasks cannot); a server warehouse: the shipped tenant DAG's own limit."""
    return 1 if tenant.warehouse.type in SINGLE_WRITER_WAREHOUSES else MAX_ACTIVE_TASKS


def operator_args(tenant: TenantConfig) -> dict[str, Any]:
    """What every dbt task runs with: the tenant's vars, dbt without colour codes (as the shipped tasks)."""
    return {"vars": dbt_vars(tenant), "dbt_cmd_flags": [NO_COLORS_FLAG]}


def manifest_without_tests_of_unselected_models(
    project_dir: Path, manifest: Path, exclude: tuple[str, ...]
) -> dict[str, Any]:
    """The manifest without the tests Cosmos would render although a model they read is not selected (the shipped
    graph's cautious rule, dbt_graph.py): their tasks would fail on the missing table."""
    selected = {node.unique_id for node in selected_graph(project_dir, manifest, (), exclude).nodes}
    document = read_shared_manifest(manifest)

    def reads_an_unselected_model(unique_id: str, node: dict[str, Any]) -> bool:
        parents = set(node.get("depends_on", {}).get("nodes", ()))
        return unique_id.startswith("test.") and bool(parents & selected) and not parents <= selected

    nodes = {uid: node for uid, node in document["nodes"].items() if not reads_an_unselected_model(uid, node)}
    return {**document, "nodes": nodes}


# Airflow's DAG processor finds DAGs among module globals (as dags/flexlake_tenants.py): one per parameters file
# beside this file in the benchmark's bundle. Imported from benchmarks/, there are none.
globals().update(build_per_model_dags(Path(__file__).parent))
