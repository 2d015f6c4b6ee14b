"""Who may see and run which tenant in Airflow: per-tenant FAB roles (roles.py) and the CLI's sync (sync.py).

Only roles.py is imported at DAG-parse time (for `access_control`); sync.py loads FAB and the metadata DB.
"""

from flexlake.access.roles import tenant_access_control, tenant_role_name

__all__ = ["tenant_access_control", "tenant_role_name"]
