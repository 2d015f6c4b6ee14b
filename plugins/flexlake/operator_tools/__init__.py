"""Operator commands over the tenant model and the catalog: new-tenant, plan, cost (issue 17).

Each reads the same tenant files (flexlake.tenant_config) and catalog (flexlake.catalog) the DAGs use: no second
source of truth, no second validator.
"""
