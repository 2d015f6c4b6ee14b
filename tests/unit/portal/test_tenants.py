"""Which invalid tenant files the Tenants page shows a user: their own tenant's, or all of them to an operator."""

from pathlib import Path
from typing import cast

import pytest
from flexlake import settings
from flexlake.portal.tenants import tenant_overview
from sqlalchemy.orm import Session

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tenant_configs" / "invalid"
NO_DB = cast(Session, None)  # no readable valid tenant: no run is looked up


@pytest.fixture
def broken_tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tenants folder holding one file that fails validation (a misspelt field), gamma_shop.yaml."""
    text = (FIXTURES / "source_typo.yaml").read_text().replace("source_typo", "gamma_shop")
    (tmp_path / "gamma_shop.yaml").write_text(text)
    monkeypatch.setattr(settings, "TENANT_CONFIGS_DIR", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("readable", "operator", "shown"),
    [
        (set(), False, False),
        ({"flexlake__alpha_shop"}, False, False),
        ({"flexlake__gamma_shop"}, False, True),
        (set(), True, True),
    ],
)
def test_an_invalid_file_shows_to_its_tenants_users_and_operators_only(
    broken_tenant: Path, readable: set[str], operator: bool, shown: bool
) -> None:
    """Shown to who may read the DAG of its name, or every DAG; with the loader's problem, never to another tenant."""
    rows, invalid = tenant_overview(readable, operator, NO_DB)
    assert rows == []
    assert [item.file_name for item in invalid] == (["gamma_shop.yaml"] if shown else [])
    assert all("stream" in " ".join(item.problems) for item in invalid), invalid
