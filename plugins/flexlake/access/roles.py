"""What a tenant's people may do in Airflow: one FAB role per tenant, named from one function.

Two halves, because FAB splits them:
- per DAG (`tenant_access_control`): the mapping FAB's `sync_perm_for_dag` takes (the `access_control` format),
  which `flexlake access sync` writes as permissions on the resources `DAG:<dag_id>` and `DAG Run:<dag_id>`;
- resource types (`TENANT_ROLE_PERMISSIONS`): what FAB checks *besides* the DAG for runs, task instances and
  logs. FAB's `is_authorized_dag` asks for both, e.g. reading a task log needs `can_read` on `Task Logs` AND
  `can_read` on `DAG:<dag_id>`, so these grants open nothing of another tenant's DAG.

Why the tenant DAG itself carries no `access_control` (the usual place for this mapping): the dag-processor syncs
it after writing the DAG and, when the named role does not exist yet (a tenant file dropped before `flexlake
access sync` ran), FAB raises DagAccessControlValidationError; Airflow 3.3 records that as an import error of
dags/flexlake_tenants.py, and an import error marks *every* DAG of that file stale and untriggerable
(airflow/dag_processing/collection.py, `_update_import_errors`): one new tenant would take every tenant down. Sync
writing the same grants keeps a new tenant admin-only until its role exists, which is the safe default. (Airflow
3.3 also warns RemovedInAirflow4Warning for every DAG with `access_control`.)

Never in a tenant role: anything on the resource `DAGs` itself (that is "every DAG"), connections, variables,
pools, configuration, plugins, DAG code (the shared factory file). `DAG Dependencies` is granted: the graph view
(/ui/structure/structure_data) needs it, and the dependencies endpoints filter by the DAGs a user may read.
Plain strings here, not FAB's constants: importing FAB loads Flask; tests/unit/access checks every name against
the FAB provider's own constants.
"""

from collections.abc import Mapping

TENANT_ROLE_PREFIX = "tenant_"

# FAB's two per-DAG resource families (permissions.RESOURCE_DETAILS_MAP) and what a tenant gets on its own DAG:
# read it, edit it (trigger and clear check `can_edit` on the DAG; so does pause/unpause), read and create runs.
DAG_PERMISSIONS: Mapping[str, frozenset[str]] = {
    "DAGs": frozenset({"can_read", "can_edit"}),
    "DAG Runs": frozenset({"can_read", "can_create"}),
}

# (action, resource) pairs on resource types. Reads: runs, task instances, logs, versions, warnings, dependencies
# (the DAG page's graph and banner) and HITL Detail (the UI's DAG list, /ui/dags, asks for it). Edits: "DAG Runs"
# and "Task Instances" can_edit are what clearing a run or task instances needs (FAB has no per-DAG can_edit for
# runs). Menu entries: the DAG list and browse pages. Own profile and password: FAB's Viewer has them too.
# Plugins (read): the UI builds the portal's tabs (Catalog, Run history, Tenants) from /api/v2/plugins; it lists
# the installed plugins' names and routes, no tenant's data, and every portal route checks the tenant's DAG.
TENANT_ROLE_PERMISSIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("can_read", "DAG Runs"),
        ("can_edit", "DAG Runs"),
        ("can_read", "Task Instances"),
        ("can_edit", "Task Instances"),
        ("can_read", "Task Logs"),
        ("can_read", "DAG Versions"),
        ("can_read", "DAG Warnings"),
        ("can_read", "DAG Dependencies"),
        ("can_read", "HITL Detail"),
        ("can_read", "Plugins"),
        ("can_read", "Website"),
        ("can_read", "My Profile"),
        ("can_edit", "My Profile"),
        ("can_read", "My Password"),
        ("can_edit", "My Password"),
        ("menu_access", "DAGs"),
        ("menu_access", "DAG Runs"),
        ("menu_access", "Task Instances"),
        ("menu_access", "Browse"),
    }
)


def tenant_role_name(tenant_id: str) -> str:
    """`tenant_<id>`: the one place the name is made, so DAGs, sync and add-user always agree."""
    return f"{TENANT_ROLE_PREFIX}{tenant_id}"


def tenant_id_of_role(role_name: str) -> str | None:
    """The tenant id a role was made for, or None for any other role (Admin, Viewer, an operator's own)."""
    if not role_name.startswith(TENANT_ROLE_PREFIX) or len(role_name) == len(TENANT_ROLE_PREFIX):
        return None
    return role_name[len(TENANT_ROLE_PREFIX) :]


def tenant_access_control(tenant_id: str) -> dict[str, dict[str, set[str]]]:
    """The tenant DAG's `access_control`: its role, and only its role, on this DAG (fresh sets each call)."""
    return {tenant_role_name(tenant_id): {resource: set(actions) for resource, actions in DAG_PERMISSIONS.items()}}
