"""Tenant roles: the names, the DAG's access_control, and that every grant is one FAB knows and none is global."""

from pathlib import Path

import pytest
from airflow.providers.fab.www.security import permissions
from flexlake.access.roles import (
    DAG_PERMISSIONS,
    TENANT_ROLE_PERMISSIONS,
    tenant_access_control,
    tenant_id_of_role,
    tenant_role_name,
)
from flexlake.access.sync import tenant_dag_resources
from flexlake.dag_factory import build_tenant_dags

MINIMAL_TENANT = Path(__file__).resolve().parents[2] / "fixtures" / "tenant_configs" / "valid" / "minimal_tenant.yaml"
# Every resource FAB defines (permissions.RESOURCE_*) and every action (permissions.ACTION_*).
FAB_RESOURCES = {v for name, v in vars(permissions).items() if name.startswith("RESOURCE_") and isinstance(v, str)}
FAB_ACTIONS = {v for name, v in vars(permissions).items() if name.startswith("ACTION_") and isinstance(v, str)}


def test_the_role_name_and_its_tenant_go_both_ways() -> None:
    """tenant_<id> is made and read back by one pair of functions; other roles belong to no tenant."""
    assert tenant_role_name("acme_outdoor") == "tenant_acme_outdoor"
    assert tenant_id_of_role("tenant_acme_outdoor") == "acme_outdoor"
    for other in ("Admin", "Viewer", "tenant_", "tenants_x"):
        assert tenant_id_of_role(other) is None, other


def test_access_control_grants_only_the_tenants_role_read_edit_and_runs() -> None:
    """The mapping FAB's sync_perm_for_dag takes: one role; read/edit the DAG; read/create its runs."""
    assert tenant_access_control("acme_outdoor") == {
        "tenant_acme_outdoor": {"DAGs": {"can_read", "can_edit"}, "DAG Runs": {"can_read", "can_create"}}
    }


def test_access_control_uses_only_resources_and_actions_fab_accepts_per_dag() -> None:
    """FAB refuses (DagAccessControlValidationError) a resource or action outside RESOURCE_DETAILS_MAP."""
    for resource, actions in DAG_PERMISSIONS.items():
        assert resource in permissions.RESOURCE_DETAILS_MAP, resource
        assert actions <= permissions.RESOURCE_DETAILS_MAP[resource]["actions"], (resource, actions)


def test_the_dag_level_resources_are_fabs_names_for_the_dag() -> None:
    """sync writes DAG:<id> and DAG Run:<id>, the names FAB's permissions.resource_name gives."""
    expected = {
        (action, permissions.resource_name("flexlake__x", resource))
        for resource, actions in DAG_PERMISSIONS.items()
        for action in actions
    }
    assert tenant_dag_resources("flexlake__x") == expected


def test_every_role_permission_is_a_fab_action_on_a_fab_resource() -> None:
    """A typo would create a permission nothing checks: each pair must use FAB's own names."""
    unknown = {(action, resource) for action, resource in TENANT_ROLE_PERMISSIONS if action not in FAB_ACTIONS}
    unknown |= {(action, resource) for action, resource in TENANT_ROLE_PERMISSIONS if resource not in FAB_RESOURCES}
    assert not unknown, f"not FAB names: {sorted(unknown)}"


@pytest.mark.parametrize(
    "resource",
    [
        permissions.RESOURCE_CONNECTION,
        permissions.RESOURCE_VARIABLE,
        permissions.RESOURCE_POOL,
        permissions.RESOURCE_CONFIG,
        permissions.RESOURCE_USER,
        permissions.RESOURCE_ROLE,
        permissions.RESOURCE_DAG_CODE,
        permissions.RESOURCE_XCOM,
    ],
)
def test_a_tenant_role_has_nothing_on_shared_resources(resource: str) -> None:
    """Connections hold warehouse passwords, variables and pools are shared: no tenant grant touches them."""
    assert not {pair for pair in TENANT_ROLE_PERMISSIONS if pair[1] == resource}


def test_a_tenant_role_may_list_plugins_and_nothing_more_on_them() -> None:
    """The UI shows the portal's tabs only to a user who may read /api/v2/plugins (names and routes, no data)."""
    assert {pair for pair in TENANT_ROLE_PERMISSIONS if pair[1] == permissions.RESOURCE_PLUGIN} == {
        (permissions.ACTION_CAN_READ, permissions.RESOURCE_PLUGIN)
    }


def test_a_tenant_role_has_no_global_dag_grant_but_the_menu_entry() -> None:
    """Any action but menu_access on the resource `DAGs` means every DAG of every tenant."""
    on_all_dags = {action for action, resource in TENANT_ROLE_PERMISSIONS if resource == permissions.RESOURCE_DAG}
    assert on_all_dags == {permissions.ACTION_CAN_ACCESS_MENU}


def test_a_tenant_dag_carries_no_access_control(tmp_path: Path) -> None:
    """Grants come from `flexlake access sync`: an access_control naming a role not created yet would make FAB
    fail the DAG's sync, an import error that marks every tenant DAG of the factory file stale (roles.py)."""
    (tmp_path / "alpha_shop.yaml").write_text(MINIMAL_TENANT.read_text().replace("minimal_tenant", "alpha_shop"))
    dag = build_tenant_dags(tmp_path)["flexlake__alpha_shop"]
    assert dag.access_control is None
