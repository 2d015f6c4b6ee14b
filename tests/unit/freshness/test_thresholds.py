"""Freshness thresholds: the tier defaults, stretched to a sparser schedule, overridden by the tenant file."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config
from flexlake.tenant_config.freshness_schema import longest_gap, resolve_thresholds, tier_defaults

H = timedelta(hours=1)


def _tenant(tier: str = "professional", **fields: Any) -> TenantConfig:
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": tier,
            "warehouse": {"type": "duckdb"},
            "sources": [{"name": "shop", "system": "faker"}, {"name": "legacy", "system": "faker"}],
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("tier", "warn", "error"),
    [("starter", 26 * H, 50 * H), ("professional", 2 * H, 6 * H), ("enterprise", H / 2, 2 * H)],
)
def test_each_tier_has_its_documented_defaults_on_its_own_schedule(
    tier: str, warn: timedelta, error: timedelta
) -> None:
    """starter 26/50 h, professional 2/6 h, enterprise 30 min/2 h: what docs/alerts.md and _example.yaml say."""
    tenant = _tenant(tier)
    assert tier_defaults(tier, tenant.effective_schedule) == (warn, error), tenant.effective_schedule


def test_a_weekday_schedule_stretches_the_defaults_over_the_weekend() -> None:
    """A professional tenant running at 06:00 on weekdays would warn every Saturday with the hourly tier's 2 h."""
    assert longest_gap("0 6 * * 1-5") == timedelta(days=3)
    warn, error = tier_defaults("professional", "0 6 * * 1-5")
    assert (warn, error) == (timedelta(days=3) + H, timedelta(days=6) + H), (warn, error)


def test_a_source_override_beats_the_tenant_override_which_beats_the_tier() -> None:
    """Per field: the source's own value, else the tenant-wide one, else the tier's; the origin says which."""
    tenant = _tenant(freshness={"warn_after_hours": 3, "sources": {"legacy": {"error_after_hours": 48}}})
    legacy = resolve_thresholds(tenant.tier, tenant.effective_schedule, tenant.freshness, "legacy")
    shop = resolve_thresholds(tenant.tier, tenant.effective_schedule, tenant.freshness, "shop")
    assert (legacy.warn, legacy.error) == (3 * H, 48 * H), legacy
    assert legacy.origin == "warn: freshness, error: freshness.sources", legacy.origin
    assert (shop.warn, shop.error, shop.origin) == (3 * H, 6 * H, "warn: freshness, error: professional tier"), shop


def test_a_tenant_without_the_block_gets_the_tier_thresholds() -> None:
    """No `freshness:` block: nothing to validate, the tier decides."""
    tenant = _tenant("starter")
    resolved = resolve_thresholds(tenant.tier, tenant.effective_schedule, tenant.freshness, "shop")
    assert (resolved.warn, resolved.error, resolved.origin) == (26 * H, 50 * H, "starter tier"), resolved


def _problems(tmp_path: Path, block: str) -> list[str]:
    path = tmp_path / "acme.yaml"
    path.write_text(
        "tenant_id: acme\ndisplay_name: Acme\ntier: professional\nwarehouse:\n  type: duckdb\n"
        "sources:\n  - name: shop\n    system: faker\n" + block
    )
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    assert "acme.yaml" in str(raised.value), str(raised.value)
    return raised.value.problems


def test_a_misspelt_source_name_is_refused_with_the_close_match(tmp_path: Path) -> None:
    """An override for a source the tenant does not have would silently never apply."""
    problems = _problems(tmp_path, "freshness:\n  sources:\n    shpo: {warn_after_hours: 4}\n")
    assert any("freshness.sources.shpo" in p and "did you mean 'shop'" in p for p in problems), problems


def test_a_warn_threshold_not_below_the_tiers_error_names_both_and_the_fix(tmp_path: Path) -> None:
    """warn 8 h against the professional tier's 6 h error: refused, saying where 6 h comes from."""
    problems = _problems(tmp_path, "freshness:\n  warn_after_hours: 8\n")
    expected = "warn_after_hours (8 h) must be below error_after_hours (6 h, warn: freshness, error: professional tier)"
    assert any(expected in p and "raise error_after_hours" in p for p in problems), problems


@pytest.mark.parametrize(
    ("block", "field"),
    [
        ("freshness:\n  warn_after_hours: 0\n", "freshness.warn_after_hours"),
        ("freshness:\n  error_after_hours: 5000\n", "freshness.error_after_hours"),
        ("freshness:\n  warn_after: 3\n", "freshness.warn_after"),
    ],
)
def test_out_of_range_or_unknown_fields_are_refused_by_name(tmp_path: Path, block: str, field: str) -> None:
    """Zero, more than three months, or a typo'd key: each refused naming the field."""
    problems = _problems(tmp_path, block)
    assert any(p.startswith(field) for p in problems), problems
