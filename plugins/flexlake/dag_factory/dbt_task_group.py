"""The tenant's dbt build as a task group: one task per model, its tests right after it.

The graph is Cosmos's (manifest built ahead of time, no dbt at parse time, selection computed once per
distinct selection: dbt_graph.py); the tasks are light until they run (dbt_operator.py). Task ids follow
Cosmos's layout: `dbt_transform.<model>.run`, `dbt_transform.<model>.test`, `dbt_transform.<test>_test`.
A tenant's model subset is select/exclude (its graph shrinks); its definitions are vars.
"""

from airflow.sdk import TaskGroup
from airflow.sdk.bases.operator import BaseOperator

from flexlake import settings
from flexlake.dag_factory.dbt_graph import selected_graph
from flexlake.dag_factory.dbt_operator import dbt_node_task
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.schema import SOURCE_SYSTEMS, SUBSCRIPTION_SYSTEMS

DBT_GROUP_ID = "dbt_transform"
DBT_PROJECT_NAME = "flexlake"
_COMMANDS = {"model": "run", "seed": "seed", "snapshot": "snapshot"}


def dbt_selectors(tenant: TenantConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(select, exclude) for the tenant: every model of the product minus the marts and models it removed,
    minus the staging and adapter models of source systems it does not have, and minus the subscriptions
    mart when no system of the tenant has subscriptions (no task, no cost)."""
    systems = {source.system for source in tenant.sources}
    exclude = [
        f"path:models/{layer}/{system}"
        for system in SOURCE_SYSTEMS
        if system not in systems
        for layer in ("staging", "adapters")
    ]
    exclude.extend(f"path:models/marts/{mart}" for mart in tenant.dbt.disabled_marts)
    if not systems & SUBSCRIPTION_SYSTEMS:
        exclude.extend(("path:models/marts/subscriptions", "fct_subscriptions"))
    exclude.extend(tenant.dbt.exclude_models)
    return (), tuple(exclude)


def build_dbt_task_group(tenant: TenantConfig) -> TaskGroup:
    select, exclude = dbt_selectors(tenant)
    graph = selected_graph(settings.DBT_PROJECT_DIR, settings.DBT_MANIFEST_PATH, select, exclude)
    firsts: dict[str, BaseOperator] = {}
    lasts: dict[str, BaseOperator] = {}
    with TaskGroup(group_id=DBT_GROUP_ID, tooltip="dbt build, one task per model") as group:
        for node in graph.nodes:
            with TaskGroup(group_id=node.name):
                command = _COMMANDS[node.resource_type.value]
                first = dbt_node_task(task_id=command, tenant=tenant, command=command, select=node.resource_name)
                firsts[node.unique_id] = lasts[node.unique_id] = first
                if node.unique_id in graph.tested:
                    lasts[node.unique_id] = first >> dbt_node_task(
                        task_id="test", tenant=tenant, command="test", select=node.resource_name
                    )
        for node in graph.nodes:
            firsts[node.unique_id].set_upstream([lasts[parent] for parent in node.depends_on if parent in lasts])
        for test in graph.detached_tests:
            detached = dbt_node_task(
                task_id=f"{test.name}_test", tenant=tenant, command="test", select=test.resource_name.split(".")[0]
            )
            detached.set_upstream([lasts[parent] for parent in test.depends_on])
    return group
