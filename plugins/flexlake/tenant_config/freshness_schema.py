"""The tenant file's `freshness:` block and the tier defaults it overrides: how old a source's raw data may be.

Freshness is the age of the newest `_airbyte_extracted_at` of a source's raw tables when the run publishes. A
tier promises a schedule, so its thresholds follow it: warn after one missed run plus a grace for a slow sync,
error after about two. A tenant whose own `schedule` runs less often than its tier's default gets thresholds
stretched to that schedule (its longest gap between two runs), or every quiet night would alert. Pure values
and models, no I/O: `flexlake validate` checks the block without Airflow.
"""

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Annotated

from croniter import croniter  # type: ignore[import-untyped]  # no stubs published
from pydantic import Field

from flexlake.tenant_config.schedule import CRON_PRESETS
from flexlake.tenant_config.warehouse_schema import IDENTIFIER_PATTERN, StrictModel

# Longest threshold a tenant may set: three months (a source synced quarterly by hand is not monitored by age).
MAX_HOURS = 24 * 92
_FIRES_CHECKED = 200
_START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TierFreshness:
    """A tier's default thresholds for its default schedule, and the grace added to a stretched schedule."""

    warn: timedelta
    error: timedelta
    grace: timedelta


# starter (daily): warn when a day's sync is missing (24 h + 2 h for a slow sync), error after two missed days.
# professional (hourly): warn after one missed hour plus an hour of grace; error after 6 h (a working morning).
# enterprise (every 15 min): warn after one missed run plus 15 min; error after 2 h (its customers watch
# intraday numbers; shorter would page on every Airbyte hiccup, which retries within the hour).
TIER_FRESHNESS: dict[str, TierFreshness] = {
    "starter": TierFreshness(timedelta(hours=26), timedelta(hours=50), timedelta(hours=2)),
    "professional": TierFreshness(timedelta(hours=2), timedelta(hours=6), timedelta(hours=1)),
    "enterprise": TierFreshness(timedelta(minutes=30), timedelta(hours=2), timedelta(minutes=15)),
}


class FreshnessThresholds(StrictModel):
    """Hours after which a source's newest raw record makes the run warn, then error (alerts either way)."""

    warn_after_hours: float | None = Field(
        default=None,
        gt=0,
        le=MAX_HOURS,
        description="Warn when the newest raw record (_airbyte_extracted_at) is older than this many hours. "
        "Default from the tier: starter 26, professional 2, enterprise 0.5 (stretched to a sparser schedule).",
    )
    error_after_hours: float | None = Field(
        default=None,
        gt=0,
        le=MAX_HOURS,
        description="Error when the newest raw record is older than this many hours. Default from the tier: "
        "starter 50, professional 6, enterprise 2 (stretched to a sparser schedule).",
    )


SourceName = Annotated[str, Field(pattern=IDENTIFIER_PATTERN)]


class FreshnessConfig(FreshnessThresholds):
    """Tenant-wide thresholds, and per source (by the source's `name`) where one source is quieter."""

    sources: dict[SourceName, FreshnessThresholds] = Field(
        default_factory=dict,
        description="Thresholds of one source, by its name in `sources`, e.g. {legacy_shop: {warn_after_hours: 72}}.",
    )


@dataclass(frozen=True)
class Thresholds:
    """One source's resolved thresholds and where they came from (said in the summary and in errors)."""

    warn: timedelta
    error: timedelta
    origin: str


def resolve_thresholds(tier: str, schedule: str, config: FreshnessConfig | None, source_name: str) -> Thresholds:
    """The source's thresholds: its own override, else the tenant's, else the tier's (stretched to the schedule)."""
    default_warn, default_error = tier_defaults(tier, schedule)
    own = config.sources.get(source_name) if config else None
    warn, warn_origin = _pick("warn_after_hours", own, config, default_warn, tier)
    error, error_origin = _pick("error_after_hours", own, config, default_error, tier)
    origin = warn_origin if warn_origin == error_origin else f"warn: {warn_origin}, error: {error_origin}"
    return Thresholds(warn, error, origin)


def _pick(
    field: str, own: FreshnessThresholds | None, config: FreshnessConfig | None, default: timedelta, tier: str
) -> tuple[timedelta, str]:
    candidates = ((getattr(own, field, None), "freshness.sources"), (getattr(config, field, None), "freshness"))
    for value, origin in candidates:
        if value is not None:
            return timedelta(hours=value), origin
    return default, f"{tier} tier"


def tier_defaults(tier: str, schedule: str) -> tuple[timedelta, timedelta]:
    """(warn, error) of the tier, stretched when the schedule leaves longer gaps than one run plus grace allows."""
    tier_freshness = TIER_FRESHNESS[tier]
    gap = longest_gap(schedule)
    warn = max(tier_freshness.warn, gap + tier_freshness.grace)
    error = max(tier_freshness.error, 2 * gap + tier_freshness.grace)
    return warn, error


@lru_cache(maxsize=256)
def longest_gap(schedule: str) -> timedelta:
    """The longest time between two fires of a cron or preset (a weekday schedule: the weekend), cached per text."""
    cron = CRON_PRESETS.get(schedule.strip(), schedule.strip())
    fires = croniter(cron, _START)
    times: list[datetime] = [fires.get_next(datetime) for _ in range(_FIRES_CHECKED)]
    return max(later - earlier for earlier, later in pairwise(times))


def freshness_problems(tier: str, schedule: str, config: FreshnessConfig, source_names: tuple[str, ...]) -> list[str]:
    """What is wrong with the block given the tenant's sources and tier: unknown sources, warn not below error."""
    problems = []
    for name in sorted(set(config.sources) - set(source_names)):
        close = difflib.get_close_matches(name, source_names, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"the tenant's sources are {', '.join(source_names)}"
        problems.append(f"freshness.sources.{name}: no source of this tenant is named {name!r}; {hint}")
    for name in ("", *sorted(config.sources)):
        if name and name not in source_names:
            continue
        resolved = resolve_thresholds(tier, schedule, config, name)
        if resolved.warn >= resolved.error:
            field = f"freshness.sources.{name}" if name else "freshness"
            problems.append(
                f"{field}: warn_after_hours ({_hours(resolved.warn)}) must be below error_after_hours "
                f"({_hours(resolved.error)}, {resolved.origin}); lower warn_after_hours or raise error_after_hours"
            )
    return problems


def _hours(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:g} h"
