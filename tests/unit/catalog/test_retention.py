"""Catalog retention: each tier keeps its newest runs, bounded in count and age; nothing else is touched."""

from datetime import UTC, datetime, timedelta
from typing import get_args

from airflow.sdk import ObjectStoragePath
from flexlake.catalog import CATALOG_RETENTION, CatalogRetention, prune_catalog, publish_run, read_latest_summary
from flexlake.catalog.publish import LATEST_POINTER, RUNS_FOLDER, VERSION_TIME_FORMAT
from flexlake.tenant_config.schema import Tier

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _version(root: ObjectStoragePath, hours_ago: float, key: str) -> str:
    """A published version folder (and its staged results) as publish_run leaves them, `hours_ago` old."""
    name = f"{(NOW - timedelta(hours=hours_ago)).strftime(VERSION_TIME_FORMAT)}__{key}"
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / "summary.json").write_text("{}")
    (root / RUNS_FOLDER / key / "run_results").mkdir(parents=True, exist_ok=True)
    (root / RUNS_FOLDER / key / "run_results" / "task.json").write_text("{}")
    return name


def _names(root: ObjectStoragePath) -> set[str]:
    return {path.name for path in root.iterdir()}


def test_every_tier_has_a_retention_that_keeps_at_least_a_day_of_its_default_schedule() -> None:
    """Starter (daily) keeps a week, professional (hourly) two days, enterprise (every 15 minutes) one day."""
    assert set(CATALOG_RETENTION) == set(get_args(Tier)), f"tiers without retention: {CATALOG_RETENTION}"
    runs_per_day = {"starter": 1, "professional": 24, "enterprise": 96}
    for tier, retention in CATALOG_RETENTION.items():
        assert retention.keep_runs >= runs_per_day[tier], f"{tier} keeps less than a day: {retention}"
        assert retention.keep_days * runs_per_day[tier] >= retention.keep_runs, f"{tier}: age cuts first {retention}"


def test_versions_beyond_the_newest_n_go_with_their_staged_results(root: ObjectStoragePath) -> None:
    """Five hourly versions, keep three: the two oldest folders and their runs/<key> staging are deleted."""
    names = [_version(root, hours, f"scheduled_{hours}") for hours in (1, 2, 3, 4, 5)]
    (root / LATEST_POINTER).write_text(names[0])

    pruned = prune_catalog(root, CatalogRetention(keep_runs=3, keep_days=30), now=NOW)

    assert sorted(pruned) == sorted(names[3:]), f"pruned {pruned}"
    assert _names(root) == {*names[:3], LATEST_POINTER, RUNS_FOLDER}, f"left {sorted(_names(root))}"
    staged = {path.name for path in (root / RUNS_FOLDER).iterdir()}
    assert staged == {"scheduled_1", "scheduled_2", "scheduled_3"}, f"staging left {staged}"


def test_versions_older_than_the_age_limit_go_but_latest_stays(root: ObjectStoragePath) -> None:
    """Within the count but past keep_days a version goes; the one `latest` names stays whatever its age."""
    old_latest = _version(root, 24 * 10, "manual_old")
    older = _version(root, 24 * 11, "manual_older")
    fresh = _version(root, 24 * 10 - 1, "manual_fresh_but_not_latest")
    (root / LATEST_POINTER).write_text(old_latest)

    pruned = prune_catalog(root, CatalogRetention(keep_runs=10, keep_days=7), now=NOW)

    assert sorted(pruned) == sorted([older, fresh]), f"pruned {pruned}"
    assert (root / old_latest / "summary.json").exists(), "the version latest points at was deleted"


def test_pruning_leaves_runs_in_progress_and_unknown_entries_alone(root: ObjectStoragePath) -> None:
    """A run still staging (no version yet) and a folder not named like a version are never deleted."""
    kept = _version(root, 1, "scheduled_new")
    _version(root, 2, "scheduled_old")
    (root / LATEST_POINTER).write_text(kept)
    (root / RUNS_FOLDER / "manual_in_progress" / "run_results").mkdir(parents=True)
    (root / RUNS_FOLDER / "manual_in_progress" / "run_results" / "t.json").write_text("{}")
    (root / "operator_notes").mkdir()
    (root / "operator_notes" / "readme.txt").write_text("kept")

    prune_catalog(root, CatalogRetention(keep_runs=1, keep_days=1), now=NOW)

    assert (root / RUNS_FOLDER / "manual_in_progress" / "run_results" / "t.json").exists(), "in-progress run deleted"
    assert (root / "operator_notes" / "readme.txt").exists(), "a folder that is not a version was deleted"
    assert _names(root) == {kept, LATEST_POINTER, RUNS_FOLDER, "operator_notes"}, sorted(_names(root))


def test_publishing_then_pruning_to_one_run_keeps_exactly_the_latest_version(root: ObjectStoragePath) -> None:
    """Three real publishes (within one second) and keep_runs=1: only the version `latest` names remains."""
    published = [publish_run(root, f"run_{index}", {"run": index}, None) for index in range(3)]

    pruned = prune_catalog(root, CatalogRetention(keep_runs=1, keep_days=1))

    assert sorted(pruned) == sorted(path.name for path in published[:2]), f"pruned {pruned}"
    assert [path.exists() for path in published] == [False, False, True], "the wrong versions remain"
    summary = read_latest_summary(root)
    assert summary is not None and summary["run"] == 2, f"latest no longer reads: {summary}"
