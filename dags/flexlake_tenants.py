"""flexlake: one Airflow DAG per tenant file in tenant_configs/.

The table of contents only; the wiring lives in plugins/flexlake/dag_factory. DAGs built inside
`with DAG(...)` register themselves with Airflow, so nothing is assigned to module globals here.
A bad tenant file yields an unscheduled `flexlake__<name>` DAG tagged `flexlake:config-error` whose
docs list the problems; every other tenant's DAG stays in place.
"""

from flexlake.dag_factory import build_tenant_dags

build_tenant_dags()
