"""Tenant folders for factory tests: copies of the real demo tenants plus whatever a test adds."""

import shutil
from pathlib import Path

import pytest
from flexlake import settings


@pytest.fixture
def tenant_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "tenant_configs"
    folder.mkdir()
    for path in settings.TENANT_CONFIGS_DIR.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    # Overlay dbt projects (with their built manifests); dbt_packages/flexlake stays a link to the product.
    shutil.copytree(settings.TENANT_CONFIGS_DIR / "overlays", folder / "overlays", symlinks=True)
    return folder
