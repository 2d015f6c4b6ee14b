"""The only place that knows Airflow DAG wiring. One public entry point: build_tenant_dags()."""

from flexlake.dag_factory.tenant_dag import build_tenant_dags, tenant_dag_id

__all__ = ["build_tenant_dags", "tenant_dag_id"]
