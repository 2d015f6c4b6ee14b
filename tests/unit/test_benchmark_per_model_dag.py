"""benchmarks/per_model_dag.py: the old per-model mode renders exactly what the tenant's shipped dbt_build runs."""

from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.bases.operator import BaseOperator
from cosmos import DbtDag
from cosmos.operators.local import DbtRunLocalOperator, DbtSeedLocalOperator, DbtTestLocalOperator
from flexlake import settings
from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.dbt_graph import read_shared_manifest
from flexlake.dag_factory.dbt_operator import DbtNodeOperator
from flexlake.dag_factory.tenant_dag import MAX_ACTIVE_TASKS, tenant_dag_id

from benchmarks.per_model_dag import (
    DAG_ID_PREFIX,
    PARAMS_SUFFIX,
    PerModelParams,
    build_per_model_dag,
    build_per_model_dags,
    per_model_dag_id,
    write_per_model_params,
)

WAREHOUSES = {
    "duckdb": "{type: duckdb}",
    "postgres": "{type: postgres, connection_id: bench_pg_wh, database: bench}",
}


def _tenant_file(folder: Path, warehouse: str) -> Path:
    """A tenant like the benchmark's (faker source, professional tier) in a folder of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench_{warehouse}.yaml"
    path.write_text(
        f"tenant_id: bench_{warehouse}\ndisplay_name: Bench\ntier: professional\nschedule: '@yearly'\n"
        f"warehouse: {WAREHOUSES[warehouse]}\n"
        "sources: [{name: shop, system: faker, options: {count: 10, seed: 1}}]\n"
    )
    return path


def _shipped_build(tenant_file: Path) -> DbtNodeOperator:
    task = build_tenant_dags(tenant_file.parent)[tenant_dag_id(tenant_file.stem)].get_task("dbt_build")
    assert isinstance(task, DbtNodeOperator), task
    return task


def _per_model_dag(tenant_file: Path) -> DbtDag:
    """The DAG as the benchmark's bundle gets it: parameters and manifest copy written, then read back."""
    bundle = tenant_file.parent.parent / "bundle"
    bundle.mkdir(exist_ok=True)
    return build_per_model_dag(PerModelParams.read(write_per_model_params(bundle, tenant_file)))


def _node_id(task: BaseOperator) -> str:
    extra_context: dict[str, Any] = getattr(task, "extra_context", {})
    return str(extra_context["dbt_node_config"]["unique_id"])


def test_one_task_per_model_and_seed_of_the_shipped_selection(tmp_path: Path) -> None:
    """Each model and seed the shipped build selects gets one dbt run (seed) task of its own, and nothing else does."""
    tenant_file = _tenant_file(tmp_path / "tenants", "duckdb")
    shipped = {uid for uids in _shipped_build(tenant_file).cosmos_extra["nodes_of_task"].values() for uid in uids}
    dag = _per_model_dag(tenant_file)
    built = [task for task in dag.tasks if isinstance(task, DbtRunLocalOperator | DbtSeedLocalOperator)]
    assert sorted(_node_id(task) for task in built) == sorted(
        uid for uid in shipped if uid.startswith(("model.", "seed.", "snapshot."))
    ), "the per-model DAG must build exactly the shipped build's models and seeds"
    assert all(task.select == f"fqn:{'.'.join(_fqn(_node_id(task)))}" for task in built), "one model per dbt call"


def test_every_shipped_test_runs_once_after_its_models(tmp_path: Path) -> None:
    """A model's own tests run cautiously in a task right after it; a test of several models has a task of its own after
    all of them (as the old mode had); together they are the shipped build's tests, each once."""
    tenant_file = _tenant_file(tmp_path / "tenants", "duckdb")
    shipped = {uid for uids in _shipped_build(tenant_file).cosmos_extra["nodes_of_task"].values() for uid in uids}
    parents = {uid: _parents(uid) for uid in shipped if uid.startswith("test.")}
    dag = _per_model_dag(tenant_file)
    test_tasks = [task for task in dag.tasks if isinstance(task, DbtTestLocalOperator)]
    detached = [task for task in test_tasks if _node_id(task).startswith("test.")]
    after_each = [task for task in test_tasks if not _node_id(task).startswith("test.")]
    assert sorted(_node_id(task) for task in detached) == sorted(uid for uid, of in parents.items() if len(of) > 1)
    assert {_node_id(task) for task in after_each} == {of[0] for of in parents.values() if len(of) == 1}, (
        "each model with a test of its own in the shipped build (and only those) has a test task"
    )
    assert all(task.indirect_selection == "cautious" for task in after_each), "no test of a model outside the select"
    for task in after_each:
        run = task.task_id.removesuffix(".test") + (".seed" if _node_id(task).startswith("seed.") else ".run")
        assert task.upstream_task_ids == {run}, f"{task.task_id} must follow its model's task only"


def _manifest_node(unique_id: str) -> dict[str, Any]:
    node: dict[str, Any] = read_shared_manifest(settings.DBT_MANIFEST_PATH)["nodes"][unique_id]
    return node


def _parents(unique_id: str) -> list[str]:
    return list(dict.fromkeys(_manifest_node(unique_id)["depends_on"]["nodes"]))


def _fqn(unique_id: str) -> list[str]:
    return list(_manifest_node(unique_id)["fqn"])


@pytest.mark.parametrize("warehouse", sorted(WAREHOUSES))
def test_vars_profile_and_parallelism_are_the_shipped_tenant_dags(tmp_path: Path, warehouse: str) -> None:
    """The tasks run with the shipped build's vars and profile (the tier's threads); DuckDB one task at a time (its
    single writer), a server warehouse as many as the shipped tenant DAG."""
    tenant_file = _tenant_file(tmp_path / "tenants", warehouse)
    shipped = _shipped_build(tenant_file).cosmos_kwargs()
    dag = _per_model_dag(tenant_file)
    task = next(task for task in dag.tasks if isinstance(task, DbtRunLocalOperator))
    assert task.vars == shipped["vars"], "the shipped build's dbt vars"
    assert task.profile_config.profile_name == shipped["profile_config"].profile_name
    assert task.profile_config.target_name == shipped["profile_config"].target_name
    assert task.profile_config.profiles_yml_filepath == shipped["profile_config"].profiles_yml_filepath
    assert type(task.profile_config.profile_mapping) is type(shipped["profile_config"].profile_mapping)
    mapping = task.profile_config.profile_mapping
    if mapping is not None:
        assert mapping.profile_args == shipped["profile_config"].profile_mapping.profile_args, "threads, schema"
    assert dag.max_active_tasks == (1 if warehouse == "duckdb" else MAX_ACTIVE_TASKS)
    assert dag.dag_id == f"{DAG_ID_PREFIX}bench_{warehouse}" and dag.schedule is None


def test_one_dag_per_parameters_file_and_none_without(tmp_path: Path) -> None:
    """The DAG file builds a DAG for each parameters file beside it, named after the tenant; an empty folder none."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    assert build_per_model_dags(bundle) == {}, "no parameters file, no DAG"
    for warehouse in WAREHOUSES:
        write_per_model_params(bundle, _tenant_file(tmp_path / "tenants", warehouse))
    assert set(build_per_model_dags(bundle)) == {per_model_dag_id(f"bench_{w}") for w in WAREHOUSES}


def test_a_bad_parameters_file_names_itself_and_the_field(tmp_path: Path) -> None:
    """A parameters file without tenant_file says which file and what it must hold."""
    path = tmp_path / f"broken{PARAMS_SUFFIX}"
    path.write_text("{}")
    with pytest.raises(ValueError, match=r"broken\.per_model\.json: expected a JSON object with 'tenant_file' and"):
        PerModelParams.read(path)
