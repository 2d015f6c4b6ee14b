"""Who may see and run which tenant in Airflow: per-tenant FAB roles (roles.py) and the CLI's sync (sync.py).

roles.py is plain data (no Flask); sync.py loads FAB and the metadata DB, for the CLI only.
"""

from flexlake.access.roles import tenant_access_control, tenant_role_name

__all__ = ["tenant_access_control", "tenant_role_name"]
