"""How many published catalog versions a tenant keeps, by tier, and the pruning run after each publish.

A version is ~10 MB with docs (manifest.json, catalog.json, index.html), so an enterprise tenant running every
15 minutes would add ~1 GB a day forever. Each tier keeps its newest runs, bounded in count and in age:

    starter       7 runs, 30 days   (daily: a week of run summaries; no docs, so a few kB each)
    professional 48 runs,  7 days   (hourly: two days)
    enterprise   96 runs,  2 days   (every 15 minutes: one day)

A version goes when it is beyond the newest `keep_runs` or older than `keep_days`; the version `latest`
points at is never removed, whatever its age. The run's staged run_results (`runs/<run_key>/`) go with its
version. Only folders named like a version (`<UTC timestamp>__<run_key>`) are considered: nothing else
under the tenant's root is touched.
"""

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from airflow.sdk import ObjectStoragePath

from flexlake.catalog.publish import LATEST_POINTER, RUNS_FOLDER, VERSION_TIME_FORMAT
from flexlake.tenant_config.schema import Tier

log = logging.getLogger(__name__)

_VERSION = re.compile(r"^(?P<stamp>\d{8}T\d{6}Z)__(?P<key>.+)$")


@dataclass(frozen=True)
class CatalogRetention:
    keep_runs: int
    keep_days: int


CATALOG_RETENTION: dict[Tier, CatalogRetention] = {
    "starter": CatalogRetention(keep_runs=7, keep_days=30),
    "professional": CatalogRetention(keep_runs=48, keep_days=7),
    "enterprise": CatalogRetention(keep_runs=96, keep_days=2),
}


def prune_catalog(root: ObjectStoragePath, retention: CatalogRetention, now: datetime | None = None) -> list[str]:
    """Delete the versions (and their staged results) the retention does not keep; returns their names."""
    latest = (root / LATEST_POINTER).read_text().strip() if (root / LATEST_POINTER).exists() else None
    versions = _versions_newest_first(root, latest)
    oldest_kept = (now or datetime.now(UTC)) - timedelta(days=retention.keep_days)
    pruned = [
        name
        for index, (name, published) in enumerate(versions)
        if name != latest and (index >= retention.keep_runs or published < oldest_kept)
    ]
    for name in pruned:
        (root / name).rmdir(recursive=True)
        staging = root / RUNS_FOLDER / _run_key_of(name)
        if staging.exists():
            staging.rmdir(recursive=True)
    if pruned:
        log.info("catalog retention (%s): removed %d old versions under %s", retention, len(pruned), root)
    return pruned


def _versions_newest_first(root: ObjectStoragePath, latest: str | None) -> list[tuple[str, datetime]]:
    """Version folders by publish time (to the second); `latest` first among versions of the same second."""
    if not root.exists():
        return []
    found = []
    for path in root.iterdir():
        match = _VERSION.match(path.name)
        if match and path.is_dir():
            published = datetime.strptime(match["stamp"], VERSION_TIME_FORMAT).replace(tzinfo=UTC)
            found.append((path.name, published))
    return sorted(found, key=lambda item: (item[1], item[0] == latest, item[0]), reverse=True)


def _run_key_of(version: str) -> str:
    match = _VERSION.match(version)
    return match["key"] if match else version
