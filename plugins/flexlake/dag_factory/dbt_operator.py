"""A light task for one dbt command; the Cosmos operator that runs it is built only when the task runs.

Constructing Cosmos's local operators is most of a tenant DAG's parse cost (signature inspection per
operator, ~1 ms each, thousands per parse with many tenants). At parse time a task needs only its id,
its place in the graph and what it will run; the work is still done by Cosmos's operator (in-process
dbt runner, profile from the tenant's warehouse, run_results staged by the callback), built in execute().
"""

from pathlib import Path
from typing import Any

from airflow.sdk import Context
from airflow.sdk.bases.operator import BaseOperator
from cosmos.constants import InvocationMode
from cosmos.operators.local import (
    DbtRunLocalOperator,
    DbtSeedLocalOperator,
    DbtSnapshotLocalOperator,
    DbtTestLocalOperator,
)

from flexlake import settings
from flexlake.catalog import catalog_root, run_key, stage_run_results
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse

_COSMOS_OPERATORS: dict[str, type[BaseOperator]] = {
    "run": DbtRunLocalOperator,
    "test": DbtTestLocalOperator,
    "seed": DbtSeedLocalOperator,
    "snapshot": DbtSnapshotLocalOperator,
}
_UI_COLORS = {"run": "#7352BA", "test": "#8194E0", "seed": "#F58D7E", "snapshot": "#964B00"}


class DbtNodeOperator(BaseOperator):
    """`dbt <command> --select <node>` for one tenant, run by Cosmos's local operator."""

    template_fields = ()

    def __init__(self, *, tenant: TenantConfig, command: str, select: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.command = command
        self.select = select
        self.ui_color = _UI_COLORS[command]

    def cosmos_kwargs(self) -> dict[str, Any]:
        """What the Cosmos operator is built with; tests run cautiously (only tests of selected nodes)."""
        kwargs: dict[str, Any] = {
            "task_id": self.task_id,
            "project_dir": str(settings.DBT_PROJECT_DIR),
            "profile_config": get_warehouse(self.tenant.warehouse.type).profile_config(self.tenant),
            "vars": dbt_vars(self.tenant),
            "select": [self.select],
            "invocation_mode": InvocationMode.DBT_RUNNER,
            "install_deps": False,
            "emit_datasets": False,
            "callback": stage_task_run_results,
            "callback_args": {"tenant_id": self.tenant.tenant_id},
        }
        if self.command == "test":
            kwargs["indirect_selection"] = "cautious"
        return kwargs

    def execute(self, context: Context) -> Any:
        operator = _COSMOS_OPERATORS[self.command](**self.cosmos_kwargs())
        return operator.execute(context)


def dbt_vars(tenant: TenantConfig) -> dict[str, Any]:
    """Warehouse location vars last, so a tenant's own vars cannot move its data elsewhere by accident."""
    return {**tenant.dbt.vars, **get_warehouse(tenant.warehouse.type).dbt_vars(tenant)}


def stage_task_run_results(project_dir: str, tenant_id: str, context: Context) -> None:
    """Cosmos callback after each dbt task: keep its run_results for the catalog's merged run_results."""
    staging = catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID)
    staging = staging / "runs" / run_key(context["run_id"]) / "run_results"
    stage_run_results(Path(project_dir), staging, context["task_instance"].task_id)
