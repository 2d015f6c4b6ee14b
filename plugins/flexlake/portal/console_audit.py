"""The SQL console's audit log: who ran what on which tenant, when, how many rows, with what outcome.

Kept as append-only JSON Lines under the tenant's own catalog prefix, one object per statement:

    <catalog base>/<tenant>/audit/sql_console/<YYYY-MM-DD>/<HHMMSSffffff>Z-<random>.jsonl

Why there and not a table in Airflow's metadata DB: Airflow's migrations own that schema (a plugin table would be
outside `airflow db migrate`/`downgrade`/`reset` and its clean-ups); the catalog store is already per tenant (a
tenant's log sits beside its catalog, and `flexlake remove-tenant` archives the prefix, the log with it), works the
same on file:// and s3:// (where an object cannot be appended to, hence one object per statement, never rewritten),
and an operator can ship it to a SIEM or put an object lock / lifecycle rule on the prefix. Catalog retention
(flexlake.catalog.retention) only ever removes version folders, so it never touches the log; the portal serves its
records only through the audit pages (flexlake.portal.audit_page), to users who may read the tenant's DAG.

Reading the newest records is cheap on an object store: object names sort by time (the day folder, then the
microsecond stamp), so `newest_records` lists names from the newest day backwards and reads only the objects shown.
"""

import heapq
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from airflow.sdk import ObjectStoragePath

AUDIT_FOLDER = ("audit", "sql_console")
Outcome = Literal["ok", "truncated", "failed", "timeout", "refused"]


@dataclass(frozen=True)
class AuditRecord:
    user: str
    tenant_id: str
    statement: str
    outcome: Outcome
    rows: int
    seconds: float
    detail: str = ""
    at: str = ""  # ISO UTC; filled in by write_record when empty

    def as_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def write_record(root: ObjectStoragePath, record: AuditRecord, now: datetime | None = None) -> ObjectStoragePath:
    """Write one record as a new object under the tenant's audit folder (never appended to, never rewritten)."""
    moment = now or datetime.now(UTC)
    stamped = record if record.at else AuditRecord(**{**asdict(record), "at": moment.isoformat()})
    folder = _audit_root(root) / moment.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{moment.strftime('%H%M%S%f')}Z-{uuid.uuid4().hex[:12]}.jsonl"
    path.write_text(stamped.as_json() + "\n")
    return path


def read_records(root: ObjectStoragePath) -> list[dict[str, Any]]:
    """Every record of the tenant, oldest first (operators and tests; the portal reads `newest_records`)."""
    audit = _audit_root(root)
    if not audit.exists():
        return []
    records: list[dict[str, Any]] = []
    for day in sorted(audit.iterdir(), key=lambda path: path.name):
        for entry in sorted(day.iterdir(), key=lambda path: path.name):
            records.extend(json.loads(line) for line in entry.read_text().splitlines() if line.strip())
    return records


def _audit_root(root: ObjectStoragePath) -> ObjectStoragePath:
    return root.joinpath(*AUDIT_FOLDER)


def newest_records(roots: Mapping[str, ObjectStoragePath], limit: int) -> list[dict[str, Any]]:
    """The `limit` newest records of the given tenants (tenant id -> catalog root), newest first.

    Per tenant, only the newest days are listed until `limit` names are known; of all those names only the newest
    `limit` objects are read."""
    names = [
        (day, entry.name, tenant_id, entry)
        for tenant_id, root in roots.items()
        for day, entry in _newest_entries(_audit_root(root), limit)
    ]
    records: list[dict[str, Any]] = []
    for _, _, _, entry in heapq.nlargest(limit, names, key=lambda item: (item[0], item[1], item[2])):
        records.extend(json.loads(line) for line in entry.read_text().splitlines() if line.strip())
    return records


def _newest_entries(audit: ObjectStoragePath, limit: int) -> Iterator[tuple[str, ObjectStoragePath]]:
    """(day, object) pairs from the newest day backwards, at most `limit` of them."""
    try:  # no exists() first: on an object store that is a request of its own
        days = sorted((day for day in audit.iterdir() if _is_day(day.name)), key=lambda day: day.name, reverse=True)
    except (FileNotFoundError, NotADirectoryError):  # no statement was ever audited for the tenant
        return
    left = limit
    for day in days:
        entries = sorted(day.iterdir(), key=lambda entry: entry.name, reverse=True)[:left]
        yield from ((day.name, entry) for entry in entries)
        left -= len(entries)
        if left <= 0:
            return


def _is_day(name: str) -> bool:
    try:
        datetime.strptime(name, "%Y-%m-%d")
    except ValueError:
        return False
    return True
