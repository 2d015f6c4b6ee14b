"""The image build rehearsed without Docker: install steps as written, every DAG imports, one tenant runs."""

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.deploy.conftest import REHEARSAL_SCRIPT

pytestmark = pytest.mark.integration


def test_the_rehearsed_image_imports_every_dag_and_runs_a_tenant_end_to_end(tmp_path: Path) -> None:
    """scripts/rehearse_image_build.sh succeeds: baked manifest, zero import errors, bluebird_books succeeds."""
    report_file = tmp_path / "report.json"
    result = subprocess.run(
        ["bash", str(REHEARSAL_SCRIPT), "--report", str(report_file)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert result.returncode == 0, f"rehearsal failed:\n{(result.stdout + result.stderr)[-6000:]}"
    report = json.loads(report_file.read_text())
    stages = [step["stage"] for step in report["steps"] if "stage" in step]
    assert stages == report["stages"], "every install stage of the Dockerfile ran"
    assert report["manifest_baked_by_this_build"] is True
    assert report["dagbag"]["import_errors"] == {}
    assert report["dagbag"]["dag_ids"] == report["expected_dag_ids"]
    assert report["flexlake_from_image_venv"] is True
    assert report["tenant_run"]["succeeded"] is True
    assert report["tenant_run"]["dbt"]["models"].get("success", 0) > 0
