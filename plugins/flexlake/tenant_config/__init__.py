"""Tenant files → validated, frozen TenantConfig values. Imports only flexlake.settings (data dir, allowed roots)."""

from flexlake.tenant_config.errors import TenantConfigError
from flexlake.tenant_config.loader import (
    TenantLoadReport,
    load_tenant_config,
    load_tenant_configs,
    tenant_files,
)
from flexlake.tenant_config.schema import TenantConfig

__all__ = [
    "TenantConfig",
    "TenantConfigError",
    "TenantLoadReport",
    "load_tenant_config",
    "load_tenant_configs",
    "tenant_files",
]
