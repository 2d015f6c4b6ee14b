"""`dbt_build`, the run's one dbt process (dbt_build.py), skipped when the run's syncs brought nothing new.

When the build_ledger says every record the tenant's sources synced is already built (and the project and the
tenant's definitions are unchanged), the task succeeds without starting dbt and skips every model task of the
run at once (Airflow's DownstreamTasksSkipped: no scheduler round per model), saying why in its log; the catalog
task then republishes the previous docs with this run's summary (catalog_task.py). After a complete build in which
every node succeeded, it records that in the ledger.

When no node of the build failed, the task then publishes what the tenant's reader reads (DuckDB: the copy of the
marts, flexlake.warehouses.duckdb_reader; nothing on warehouses with grants), so readers see new data as soon as
it is built, not after the model report tasks and the docs (~35 s later). A build with a failed node publishes
nothing: readers keep the previous copy, as they did when the copy came at the end of a successful run. A run
with nothing new publishes nothing either: the previous copy already holds what is built.
"""

from typing import Any

from airflow.sdk import Context
from airflow.sdk.exceptions import DownstreamTasksSkipped

from flexlake.dag_factory.build_ledger import build_fingerprint, mark_built, nothing_new_reason
from flexlake.dag_factory.dbt_operator import DbtNodeOperator
from flexlake.dag_factory.dbt_project import tenant_dbt_project
from flexlake.dag_factory.dbt_reports import NOTHING_NEW_XCOM_KEY
from flexlake.dag_factory.ingestion_tasks import ingestion_task_id
from flexlake.dag_factory.run_params import SELECT_PARAM, VARS_PARAM, requested
from flexlake.warehouses import get_warehouse


class DbtBuildTaskOperator(DbtNodeOperator):
    """The `dbt build` of a tenant run (command "build", `cosmos_extra["nodes_of_task"]` naming the model tasks)."""

    def execute(self, context: Context) -> Any:
        fingerprint = self._fingerprint()
        if reason := nothing_new_reason(self.tenant, self._synced_sources(context), fingerprint, context):
            self.log.info("dbt build not needed: %s", reason)
            context["ti"].xcom_push(key=NOTHING_NEW_XCOM_KEY, value=reason)
            raise DownstreamTasksSkipped(tasks=sorted(self.cosmos_extra["nodes_of_task"]))  # type: ignore[no-untyped-call]
        operator = self.cosmos_operator_for_run(context)
        result = operator.execute(context)
        if getattr(operator, "every_node_succeeded", False) and not _narrowed(context):
            self._record_built(fingerprint, context["run_id"])
        if getattr(operator, "no_node_failed", False):
            self._publish_reader_copy()
        return result

    def _publish_reader_copy(self) -> None:
        """The reader's copy of the marts, right after the build (a failure fails the task: readers would see
        stale data while the run says success; a retry builds and publishes again)."""
        published = get_warehouse(self.tenant.warehouse.type).publish_reader_snapshot(self.tenant)
        if published:
            self.log.info("reader copy published after the build: %s", published)

    def _record_built(self, fingerprint: str, run_id: str) -> None:
        """The ledger hears of the complete build; a storage error must not fail a build that succeeded (the next
        run then builds again, as with no ledger)."""
        try:
            mark_built(self.tenant, fingerprint, run_id)
        except Exception:
            self.log.warning(
                "could not record the build in the tenant's build ledger: the next run builds", exc_info=True
            )

    def _fingerprint(self) -> str:
        selection = [self.select or "", *self.exclude, *self.cosmos_extra.get("tenant_exclude", ())]
        return build_fingerprint(tenant_dbt_project(self.tenant).manifest, self.cosmos_kwargs()["vars"], selection)

    def _synced_sources(self, context: Context) -> list[str]:
        """The sources whose sync ran in this run (a skipped sync leaves no result)."""
        task_instance = context["ti"]
        return [
            source.name
            for source in self.tenant.sources
            if task_instance.xcom_pull(task_ids=ingestion_task_id(source.name)) is not None
        ]


def _narrowed(context: Context) -> bool:
    """A build of a run's own selection or vars does not build what the tenant's definitions say."""
    return bool(requested(context, SELECT_PARAM)) or bool(requested(context, VARS_PARAM))
