"""The only place that knows Airflow DAG wiring. One public entry point: build_tenant_dags().

Cosmos's private functions flexlake replaces are installed here, once, before any DAG is built or task runs
(cosmos_patches.py says which, why, and what would retire each).
"""

from flexlake.dag_factory import cosmos_patches

cosmos_patches.install()

from flexlake.dag_factory.tenant_dag import build_tenant_dags, tenant_dag_id  # noqa: E402 - after the patches

__all__ = ["build_tenant_dags", "tenant_dag_id"]
