"""flexlake: one Airflow DAG per tenant file in tenant_configs/ (every tenant).

The table of contents only; the wiring lives in plugins/flexlake/dag_factory. A bad tenant file yields
an unscheduled `flexlake__<name>` DAG tagged `flexlake:config-error`, listed as "INVALID ..." with the problems in
its description and docs; every other tenant's DAG stays in place. Written by `flexlake dag-files`.
"""

from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.dag_file_shards import TenantShard

# Airflow finds DAGs among module globals. The factory does not auto-register them, so that a tenant
# whose build fails half-way leaves no half-built DAG behind (it gets an error DAG instead).
globals().update(build_tenant_dags(shard=TenantShard.of_dag_file(__file__)))
