"""A tenant with an `alerts:` block, loaded through the real loader (the file and field rules included)."""

from pathlib import Path

import pytest
from flexlake.tenant_config import TenantConfig, load_tenant_config

TENANT_YAML = """\
tenant_id: acme
display_name: Acme Books
tier: starter
warehouse:
  type: duckdb
sources:
  - name: shop
    system: faker
"""


def write_tenant(folder: Path, alerts_yaml: str) -> Path:
    path = folder / "acme.yaml"
    path.write_text(TENANT_YAML + alerts_yaml)
    return path


@pytest.fixture
def tenant(tmp_path: Path) -> TenantConfig:
    alerts = "alerts:\n  email: [data-team@acme.example]\n  slack_connection_id: acme_slack\n"
    return load_tenant_config(write_tenant(tmp_path, alerts))
