"""`flexlake provision --dry-run` prints the plan and only the plan on stdout (reviews pipe it to a file).

Run as the console script in a fresh process, where importing cosmos configures Airflow's logging and
Airflow logs a warning at once: that line must reach stderr, not the plan.
"""

import os
import subprocess
import sys
from pathlib import Path

from flexlake import settings
from flexlake.tenant_config import load_tenant_config
from flexlake.warehouses import get_warehouse

FLEXLAKE = Path(sys.executable).parent / "flexlake"


def test_a_dry_run_prints_exactly_the_plan_on_stdout_and_logs_on_stderr(tmp_path: Path) -> None:
    """Stdout equals the plan's text byte for byte; anything Airflow logs goes to stderr."""
    tenant_file = settings.TENANT_CONFIGS_DIR / "acme_outdoor.yaml"
    tenant = load_tenant_config(tenant_file)
    expected = get_warehouse(tenant.warehouse.type).provisioning_plan(tenant).describe() + "\n"
    environment = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow_home")}

    result = subprocess.run(
        [str(FLEXLAKE), "provision", str(tenant_file), "--dry-run"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, f"dry run failed: {result.stderr}"
    assert result.stdout == expected, f"stdout is not only the plan; first line: {result.stdout.splitlines()[:1]}"
