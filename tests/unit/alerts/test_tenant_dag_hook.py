"""The tenant DAG carries the alert callbacks of its `alerts:` block (dag_factory/tenant_dag.py's one hook)."""

from pathlib import Path

from flexlake.dag_factory.tenant_dag import build_tenant_dag
from flexlake.tenant_config import TenantConfig, load_tenant_config

from tests.unit.alerts.conftest import write_tenant


def test_the_dag_of_a_tenant_with_alerts_has_run_level_callbacks(tenant: TenantConfig, tmp_path: Path) -> None:
    """One failure and one success callback on the DAG, none on its tasks (one message per run)."""
    dag = build_tenant_dag(tenant, tmp_path / "acme.yaml")
    assert dag.has_on_failure_callback and dag.has_on_success_callback, "the DAG lacks the alert callbacks"
    with_task_callbacks = [task.task_id for task in dag.tasks if task.has_on_failure_callback]
    assert with_task_callbacks == [], f"tasks should not alert one by one: {with_task_callbacks}"


def test_the_dag_of_a_tenant_without_alerts_has_none(tmp_path: Path) -> None:
    """No block, no callbacks: the dag-processor has nothing to run when the run ends."""
    dag = build_tenant_dag(load_tenant_config(write_tenant(tmp_path, "")), tmp_path / "acme.yaml")
    assert not dag.has_on_failure_callback and not dag.has_on_success_callback, "unexpected callbacks"
