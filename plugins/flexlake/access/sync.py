"""`flexlake access sync | add-user`: tenant roles and users in the FAB auth manager's tables.

Everything goes through FAB's own security manager (the one `airflow sync-perm` and `airflow users create`
use, from the provider's `get_application_builder`): roles, permissions and users are rows FAB owns, and its
methods keep its caches and admin grants right. Idempotent: a second sync changes nothing.

The DAG-level grants are written here too (`sync_perm_for_dag`, the call the dag-processor makes for a DAG's
`access_control`), not by the DAGs: roles.py says why. So a new tenant's people get access when sync runs, and
its DAG stays admin-only until then.
"""

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flexlake.access.roles import (
    DAG_PERMISSIONS,
    TENANT_ROLE_PERMISSIONS,
    tenant_access_control,
    tenant_id_of_role,
    tenant_role_name,
)
from flexlake.tenant_config import load_tenant_configs, tenant_files

log = logging.getLogger(__name__)

FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
# FAB's per-DAG resource names are these prefixes + the DAG id (permissions.RESOURCE_DETAILS_MAP).
_DAG_RESOURCE_PREFIXES = {"DAGs": "DAG:", "DAG Runs": "DAG Run:"}
# docker/.env.example's values start with this; a deployment must not keep one as its admin password.
PLACEHOLDER_PASSWORD_PREFIX = "change-me"
GENERATED_PASSWORD_BYTES = 18  # secrets.token_urlsafe: 24 characters


class AccessError(RuntimeError):
    """A refusal the CLI prints as is: what is wrong and the command that fixes it."""


@dataclass
class AccessSyncReport:
    """What one `flexlake access sync` did, role by role (empty lists: nothing to do)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    invalid_files: list[str] = field(default_factory=list)


def require_fab_auth_manager() -> None:
    """Tenant roles exist only in FAB: under SimpleAuthManager every user sees every tenant, so say so."""
    from airflow.configuration import conf  # noqa: PLC0415 - Airflow loads its config on import

    configured = conf.get("core", "auth_manager")
    if configured != FAB_AUTH_MANAGER:
        raise AccessError(
            f"[core] auth_manager is {configured}; tenant roles need the FAB auth manager. "
            f"Set AIRFLOW__CORE__AUTH_MANAGER={FAB_AUTH_MANAGER} (scripts/airflow_up.sh, docker/compose.yaml and "
            "docker/helm/values.yaml do; docs/deploy.md)"
        )


@contextmanager
def security_manager() -> Iterator[Any]:
    """FAB's security manager on the metadata DB, as `airflow sync-perm` gets it."""
    require_fab_auth_manager()
    from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder  # noqa: PLC0415

    with get_application_builder() as appbuilder:
        yield appbuilder.sm


def tenant_dag_resources(dag_id: str) -> set[tuple[str, str]]:
    """The (action, resource) pairs a tenant's `access_control` becomes on FAB's per-DAG resources."""
    return {
        (action, f"{_DAG_RESOURCE_PREFIXES[resource]}{dag_id}")
        for resource, actions in DAG_PERMISSIONS.items()
        for action in actions
    }


def sync_tenant_roles(tenants_dir: Path) -> AccessSyncReport:
    """Make the roles match the tenant files: one exact role per valid tenant, none for tenants that are gone.

    A file that fails validation keeps its tenant's existing role untouched (the file is still there: fixing a
    typo must not lock the tenant's people out), but creates none.
    """
    from flexlake.dag_factory.tenant_dag import tenant_dag_id  # noqa: PLC0415 - imports Airflow's DAG classes

    loaded = load_tenant_configs(tenants_dir)
    report = AccessSyncReport(invalid_files=[str(error.path) for error in loaded.errors])
    present = {path.stem for path in tenant_files(tenants_dir)}
    with security_manager() as manager:
        for tenant in loaded.tenants:
            role_name = tenant_role_name(tenant.tenant_id)
            outcome = _sync_role(manager, role_name, tenant_dag_id(tenant.tenant_id))
            manager.sync_perm_for_dag(tenant_dag_id(tenant.tenant_id), tenant_access_control(tenant.tenant_id))
            getattr(report, outcome).append(role_name)
        for role in list(manager.get_all_roles()):
            tenant_id = tenant_id_of_role(role.name)
            if tenant_id is not None and tenant_id not in present:
                manager.delete_role(role.name)
                report.removed.append(role.name)
    return report


def _sync_role(manager: Any, role_name: str, dag_id: str) -> str:
    """Create the role or make its permissions exactly the tenant's; returns created, updated or unchanged."""
    role = manager.find_role(role_name)
    outcome = "unchanged"
    if role is None:
        role = manager.add_role(role_name)
        outcome = "created"
    wanted = TENANT_ROLE_PERMISSIONS | tenant_dag_resources(dag_id)
    held = {(permission.action.name, permission.resource.name): permission for permission in role.permissions}
    for action, resource in sorted(wanted - held.keys()):
        manager.add_permission_to_role(role, manager.create_permission(action, resource))
    for key in sorted(held.keys() - wanted):
        log.info("Revoking %s on %s from %s: not a tenant permission", key[0], key[1], role_name)
        manager.remove_permission_from_role(role, held[key])
    changed = wanted != held.keys()
    return "updated" if outcome == "unchanged" and changed else outcome


def ensure_admin(username: str, password: str, email: str) -> str:
    """The bootstrap admin (Admin role) with this password: created, password reset, or already so."""
    if not password:
        raise AccessError("the admin password is empty: set FLEXLAKE_ADMIN_PASSWORD (docs/deploy.md)")
    if password.startswith(PLACEHOLDER_PASSWORD_PREFIX):
        raise AccessError(
            "the admin password is still the placeholder of docker/.env.example: set AIRFLOW_ADMIN_PASSWORD "
            "(FLEXLAKE_ADMIN_PASSWORD) to a password of your own, e.g. `openssl rand -base64 18`"
        )
    with security_manager() as manager:
        admin_role = manager.find_role(manager.auth_role_admin) or manager.add_role(manager.auth_role_admin)
        user = manager.find_user(username=username)
        if user is None:
            manager.add_user(username, "flexlake", "admin", email, admin_role, password)
            return "created"
        if admin_role not in user.roles:
            user.roles = [*user.roles, admin_role]
            manager.update_user(user)
        if manager.check_password(username, password):
            return "unchanged"
        manager.reset_password(user.id, password)
        return "password reset"


def add_tenant_user(tenant_id: str, username: str, email: str, password: str) -> None:
    """A user whose only role is the tenant's; refuses an existing username or a tenant with no role yet."""
    role_name = tenant_role_name(tenant_id)
    with security_manager() as manager:
        role = manager.find_role(role_name)
        if role is None:
            raise AccessError(
                f"no role {role_name}: is {tenant_id} a tenant file? Create its role with `flexlake access sync`"
            )
        if manager.find_user(username=username) is not None:
            raise AccessError(f"user {username} already exists; pick another username (or manage it in the UI)")
        if manager.find_user(email=email) is not None:
            raise AccessError(f"a user with email {email} already exists; pass another --email")
        manager.add_user(username, username, tenant_id, email, role, password)


def remove_tenant_access(tenant_id: str) -> str:
    """Offboarding (`flexlake remove-tenant`): delete the tenant's role and the users whose only role it was, as
    `airflow users delete` does; a user who also holds another role keeps that one. What happened, for the log."""
    role_name = tenant_role_name(tenant_id)
    with security_manager() as manager:
        role = manager.find_role(role_name)
        if role is None:
            return f"no role {role_name}: nothing to remove"
        deleted, kept = [], []
        for user in list(manager.get_all_users()):
            if role_name not in {held.name for held in user.roles}:
                continue
            if len(user.roles) == 1:
                user.roles.clear()
                manager.del_register_user(user)
                deleted.append(user.username)
            else:
                user.roles = [held for held in user.roles if held.name != role_name]
                manager.update_user(user)
                kept.append(user.username)
        manager.delete_role(role_name)
    return f"removed role {role_name}; users deleted: {', '.join(sorted(deleted)) or 'none'}" + (
        f"; users kept for their other roles: {', '.join(sorted(kept))}" if kept else ""
    )


def generate_password() -> str:
    """A random password for `add-user` without --password-stdin, shown once by the CLI and stored hashed."""
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
