"""The tenant's dbt build: one `dbt build` task and, beside it, a task group with one task per model and its tests
(the group's first tasks start with the build and follow its progress: dag_factory/dbt_reports.py).

The graph is Cosmos's (manifest built ahead of time, no dbt at parse time, selection computed once per distinct
selection: dbt_graph.py); the tasks are light until they run (dbt_operator.py). Task ids follow Cosmos's layout:
`dbt_transform.<model>.run` (`.seed`, `.snapshot`), `dbt_transform.<test>_test` for a test of several models none of
which reads the others (a test from a model to one it reads is in that model's task: dbt_graph._owning_parent). A
model's tests are reported by its own task, as Cosmos's `TestBehavior.BUILD` does, not by a `.test` task after it: a
task after each model doubled the chain of tasks a run waits through (one scheduler and triggerer round, ~3.5 s, per
task on Airflow 3.3) and added a third of the DAG's tasks, for nothing dbt does not already show per test in the
model's log. A failing test fails its model's task, so what depends on the model is "upstream failed", as dbt skips
it.
A tenant's model subset is an exclusion by dbt tags (its graph shrinks); its definitions are vars; its replaced and
added models come from its overlay dbt project (dbt_project.py), whose manifest the graph then renders from.
"""

from airflow.sdk import TaskGroup, TriggerRule
from airflow.sdk.bases.operator import BaseOperator

from flexlake.dag_factory.build_task import DbtBuildTaskOperator
from flexlake.dag_factory.build_watch import BUILD_TASK_ID
from flexlake.dag_factory.dbt_graph import selected_graph
from flexlake.dag_factory.dbt_operator import DbtNodeReportOperator, dbt_node_task
from flexlake.dag_factory.dbt_project import tenant_dbt_project
from flexlake.dag_factory.dbt_results_only import NODE_BUILD_COMMAND
from flexlake.tenant_config import TenantConfig
from flexlake.tenant_config.dbt_schema import PASS_THROUGH_ENTITIES
from flexlake.tenant_config.schema import SOURCE_SYSTEMS, SUBSCRIPTION_SYSTEMS

DBT_GROUP_ID = "dbt_transform"
DBT_PROJECT_NAME = "flexlake"
_COMMANDS = {"model": "run", "seed": "seed", "snapshot": "snapshot"}


def dbt_exclude(tenant: TenantConfig) -> tuple[str, ...]:
    """The tenant's exclusions from the product, as dbt tags (include/dbt/dbt_project.yml sets them by folder):
    the staging and adapter models of source systems it does not sync (`system:<x>`), the marts it removed
    (`mart:<x>`), what only a system with subscriptions feeds (`needs:subscriptions`), the pass-through models of
    entities it declares no column for (`pass_through:<entity>`), then its own `exclude_models`.

    dbt owns the selection: the same selectors serve Cosmos's graph and dbt's command line, in the product and in
    an overlay (whose product models keep their package's tags), and Cosmos matches a tag ~3x faster than a path
    (benchmarks/parse_benchmark.py: 2.25 s -> 0.83 s for the 8 selections of 200 tenants)."""
    systems = {source.system for source in tenant.sources}
    exclude = [f"tag:system:{system}" for system in SOURCE_SYSTEMS if system not in systems]
    exclude.extend(f"tag:mart:{mart}" for mart in tenant.dbt.disabled_marts)
    if not systems & SUBSCRIPTION_SYSTEMS:
        exclude.append("tag:needs:subscriptions")
    exclude.extend(
        f"tag:pass_through:{entity}"
        for entity in PASS_THROUGH_ENTITIES
        if not any(column.system in systems for column in tenant.dbt.pass_through_columns.get(entity, ()))
    )
    exclude.extend(tenant.dbt.exclude_models)
    return tuple(exclude)


def build_selection(nodes_of_task: dict[str, tuple[str, ...]]) -> str:
    """What the run's `dbt build` selects: exactly the nodes the DAG has tasks for, by name (dbt's --select takes a
    space-separated union), with indirect selection off (dbt_operator). Excludes are not enough: with every node
    selected, dbt still runs the singular and relationship tests of an excluded model, which then fail."""
    names = {unique_id.split(".")[2] for unique_ids in nodes_of_task.values() for unique_id in unique_ids}
    return " ".join(sorted(names))


def build_dbt_tasks(tenant: TenantConfig) -> tuple[BaseOperator, TaskGroup]:
    """`dbt_build` (one dbt process for the run: dbt_build.py) and the group of per-model tasks reporting it
    (the caller starts both after the syncs: the model tasks follow the build as dbt finishes their nodes).

    The per-model tasks keep Cosmos's layout and dbt's dependencies, so a failed model's downstream tasks show
    "upstream failed" and clearing a task with its downstream re-runs exactly those models.
    """
    exclude = dbt_exclude(tenant)
    project = tenant_dbt_project(tenant)
    graph = selected_graph(project.project_dir, project.manifest, (), exclude)
    nodes_of_task: dict[str, tuple[str, ...]] = {}
    tasks: dict[str, BaseOperator] = {}

    def report_task(task_id: str, command: str, select: str, unique_ids: tuple[str, ...]) -> BaseOperator:
        task = dbt_node_task(
            task_id=task_id,
            tenant=tenant,
            command=command,
            select=select,
            operator_class=DbtNodeReportOperator,
            trigger_rule=TriggerRule.NONE_FAILED,  # a model outside the run's `select` is skipped, not failed
        )
        nodes_of_task[task.task_id] = unique_ids
        return task

    with TaskGroup(group_id=DBT_GROUP_ID, tooltip="one task per model: what the run's dbt build did") as group:
        for node in graph.nodes:
            with TaskGroup(group_id=node.name):
                task_name = _COMMANDS[node.resource_type.value]
                tests = graph.tests_of.get(node.unique_id, ())
                command = NODE_BUILD_COMMAND if tests else task_name
                tasks[node.unique_id] = report_task(task_name, command, node.resource_name, (node.unique_id, *tests))
        for node in graph.nodes:
            tasks[node.unique_id].set_upstream([tasks[parent] for parent in node.depends_on if parent in tasks])
        for test in graph.detached_tests:
            detached = report_task(f"{test.name}_test", "test", test.resource_name.split(".")[0], (test.unique_id,))
            detached.set_upstream([tasks[parent] for parent in test.depends_on])
    build = dbt_node_task(
        task_id=BUILD_TASK_ID,
        tenant=tenant,
        command="build",
        select=build_selection(nodes_of_task),
        cosmos_extra={"nodes_of_task": nodes_of_task, "tenant_exclude": exclude},
        operator_class=DbtBuildTaskOperator,  # skips dbt when the syncs brought nothing new (build_ledger.py)
        trigger_rule=TriggerRule.NONE_FAILED,  # after syncs the run skipped (skip_sync, sources)
        doc_md="One `dbt build` of the tenant's models and tests (the tier's threads). Each model's task in "
        "dbt_transform shows what it did for that model; a failed model fails its own task.",
    )
    return build, group
