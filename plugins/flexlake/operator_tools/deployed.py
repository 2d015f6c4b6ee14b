"""What is deployed for a tenant, as `flexlake plan` compares against it: the models its last published run built.

Every tier publishes the merged run_results.json of each run (flexlake.catalog.publish), so the newest version
(the `latest` pointer) says which models the running DAG built. Comparing the plan's models with those shows
what a changed tenant file (or product) adds and drops, before it lands.
"""

import json
from typing import Any

from flexlake import settings
from flexlake.catalog import catalog_root
from flexlake.catalog.publish import LATEST_POINTER


def deployed_models_diff(tenant_id: str, planned: set[str]) -> dict[str, Any] | None:
    """{version, added, dropped} against the newest published run; None when the tenant has never published."""
    root = catalog_root(settings.CATALOG_BASE_URI, tenant_id, settings.CATALOG_CONN_ID)
    pointer = root / LATEST_POINTER
    if not pointer.exists():
        return None
    version = pointer.read_text().strip()
    run_results = root / version / "run_results.json"
    if not run_results.exists():
        return None
    results = json.loads(run_results.read_text()).get("results", [])
    deployed = {
        str(result["unique_id"]).rsplit(".", 1)[-1]
        for result in results
        if str(result.get("unique_id", "")).startswith("model.")
    }
    return {"version": version, "added": sorted(planned - deployed), "dropped": sorted(deployed - planned)}
