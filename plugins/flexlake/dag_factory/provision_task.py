"""`provision_warehouse`: the first task of every tenant DAG, before ingestion.

Before anything else it refuses a run whose conf has unknown keys or invalid vars (dag_factory/run_params.py).

It runs the same provisioning as `flexlake provision` (schemas, transformer role, read-only reader), so a
new tenant's first run, and every run after its config changed, finds its warehouse ready. It is cheap
otherwise: the warehouse records the fingerprint of the last plan it executed (table
flexlake_admin.provisioning, kept in the warehouse itself so that a recreated database is provisioned
again), and an unchanged plan costs one connection and one SELECT.

A task cannot create Airflow connections (Airflow 3 blocks the ORM in tasks), so it reuses the reader's
connection when one exists; otherwise it leaves the reader without a password and says so in its log and
XCom: `flexlake provision <tenant>` issues the credentials.
"""

import logging
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk.bases.operator import BaseOperator

from flexlake.dag_factory.run_params import check_run_conf
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.reader_credentials import TaskCredentialStore

log = logging.getLogger(__name__)

PROVISION_TASK_ID = "provision_warehouse"


def build_provision_task(tenant: TenantConfig) -> BaseOperator:
    """The task object only: nothing connects or reads a connection until the task runs."""

    def provision_warehouse() -> dict[str, Any]:
        result = get_warehouse(tenant.warehouse.type).provision(tenant, TaskCredentialStore(), force=False)
        log.info("%s", result.summary())
        return result.to_dict()

    operator: BaseOperator = PythonOperator(
        task_id=PROVISION_TASK_ID,
        python_callable=provision_warehouse,
        pre_execute=check_run_conf,  # the first task: a run with unknown or invalid conf stops before any work
        doc_md="Create the tenant's schemas, transformer role and read-only reader when the provisioning plan "
        "changed (idempotent; skipped when the fingerprint recorded in the warehouse matches). Returns what it "
        "did (XCom). Reader credentials missing? Run `flexlake provision <tenant_id>`.",
    )
    return operator
