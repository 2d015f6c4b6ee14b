"""OpenLineage events under a namespace per tenant.

The openlineage provider names every job `<dag_id>.<task_id>` in one namespace, `[openlineage] namespace`, set
for the whole deployment. A tenant's lineage should be one namespace of its own in Marquez, DataHub or
OpenMetadata, so this transformer (openlineage-python's `transform` transport, configured in
`[openlineage] transport`: docs/deploy.md, Lineage) rewrites the job namespace of every event whose DAG is a
tenant's (`flexlake__<tenant_id>`) to `<namespace>/<tenant_id>`, and the parent and root jobs' with it, so a
task's event still points at its DAG run. Datasets keep their namespaces (`postgres://host:port`,
`snowflake://account`, ...): they name where the data lives, shared by whoever reads it. Other DAGs' events
pass unchanged.

The dbt datasets: Cosmos turns the build's artifacts (target/manifest.json and run_results.json) into OpenLineage
datasets after dbt ran, and a tenant's dbt task (dag_factory/dbt_operator.DbtNodeOperator) hands them to the
provider's listener as its own (`get_openlineage_facets_on_complete`). Our tasks skip writing manifest.json
(dag_factory/dbt_results_only.py), so they write it only when lineage is on (`lineage_enabled`).
"""

from typing import Any

import attr
from airflow.providers.openlineage.conf import is_disabled
from openlineage.client.transport.transform import EventTransformer

from flexlake.dag_factory.tenant_dag import DAG_ID_PREFIX


class TenantNamespace(EventTransformer):
    """`transformer_properties`: `namespace`, the base of every tenant's namespace (default: the event's own,
    i.e. `[openlineage] namespace`)."""

    def transform(self, event: Any) -> Any:
        job: Any = getattr(event, "job", None)  # dataset events have none
        tenant = tenant_of(job.name) if job is not None else None
        if tenant is None:
            return event
        namespace = f"{self.properties.get('namespace') or job.namespace}/{tenant}"
        changes: dict[str, Any] = {"job": attr.evolve(job, namespace=namespace)}
        run: Any = getattr(event, "run", None)  # job events have none
        facets = (run.facets or {}) if run is not None else {}
        if "parent" in facets:
            changes["run"] = attr.evolve(run, facets={**facets, "parent": _parent_in(facets["parent"], namespace)})
        return attr.evolve(event, **changes)


def lineage_enabled() -> bool:
    """Whether the openlineage provider emits events here (a transport configured, not disabled): dbt must then
    write the manifest that Cosmos reads the datasets from. Read when a dbt task runs, never at parse time."""
    return not is_disabled()


def tenant_of(job_name: str) -> str | None:
    """The tenant id of a job named `flexlake__<tenant_id>[.<task_id>]`, else None."""
    if not job_name.startswith(DAG_ID_PREFIX):
        return None
    return job_name.removeprefix(DAG_ID_PREFIX).split(".", 1)[0] or None


def _parent_in(parent: Any, namespace: str) -> Any:
    """The parent facet with its job (and root job) in the tenant's namespace when they are the tenant's DAG."""
    changes: dict[str, Any] = {}
    if tenant_of(parent.job.name):
        changes["job"] = attr.evolve(parent.job, namespace=namespace)
    root = getattr(parent, "root", None)
    if root is not None and tenant_of(root.job.name):
        changes["root"] = attr.evolve(root, job=attr.evolve(root.job, namespace=namespace))
    return attr.evolve(parent, **changes) if changes else parent
