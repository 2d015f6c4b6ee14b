"""What a new product version changes for one tenant, read from two dbt manifests (deployed, candidate) as dicts.

Pure functions over `manifest.json` as dbt writes it (`nodes` keyed by unique id, each with `resource_type`,
`package_name`, `name`, `original_file_path`, `raw_code`, `checksum`, `config`, `contract`, `columns`,
`depends_on`), so `flexlake upgrade-check` (upgrade_check.py) and its unit tests share them. Two questions:

- which incremental models the tenant builds must be rebuilt from scratch: an existing table keeps its old shape
  and logic (on_schema_change='fail' refuses new columns; changed SQL applies only to newly loaded rows), so a
  changed checksum, column, contract or constraint means `full_refresh`; so does a model that was a table and is now
  incremental (dbt's `is_incremental()` is true on an existing table, so its first run merges into the old rows);
  a view or an ephemeral model becoming incremental is built from scratch (every adapter's incremental
  materialization replaces an existing view);
- which of the tenant's own (overlay) models use a column the candidate removed from a model they ref: named by
  column and model, because the database error alone ("column not found") does not say it was the upgrade.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Manifest = Mapping[str, Any]
PRODUCT_PACKAGE = "flexlake"
FULL_REFRESH_FIX = 'trigger the tenant\'s DAG once with {"full_refresh": true} after deploying'


@dataclass(frozen=True)
class Finding:
    """One reason for a verdict: `subject` is the model or tenant-file field, `fix` what the operator does."""

    kind: str  # "breaks" or "full_refresh"
    subject: str
    detail: str
    fix: str


def models(manifest: Manifest) -> dict[str, Mapping[str, Any]]:
    """Model nodes by unique id (seeds, tests and snapshots are not what a tenant's change is about)."""
    nodes = manifest.get("nodes", {})
    return {uid: node for uid, node in nodes.items() if node.get("resource_type") == "model"}


def incremental_changes(deployed: Manifest, candidate: Manifest, built: Iterable[str]) -> list[Finding]:
    """Incremental models the tenant builds (`built`: unique ids) whose SQL, declared columns or contract differ
    between the deployed and the candidate manifest, or that a relation dbt would merge into backs (deployed as a
    table). A model new in the candidate, or deployed as a view or ephemeral, is built from scratch: no finding."""
    before, after = models(deployed), models(candidate)
    findings = []
    for uid in sorted(set(built)):
        new, old = after.get(uid), before.get(uid)
        if new is None or old is None or not _is_incremental(new):
            continue
        reasons = _incremental_reasons(old, new) if _is_incremental(old) else _became_incremental_reasons(old)
        if reasons:
            detail = f"incremental model {new['name']}: {'; '.join(reasons)}"
            findings.append(Finding("full_refresh", str(new["name"]), detail, FULL_REFRESH_FIX))
    return findings


def _is_incremental(node: Mapping[str, Any]) -> bool:
    return _materialized(node) == "incremental"


def _materialized(node: Mapping[str, Any]) -> str:
    return str(node.get("config", {}).get("materialized", ""))


# Deployed materializations that leave no relation dbt's incremental run would merge into: the materialization
# replaces an existing view with a table built from every row (dbt-core's default, dbt-duckdb, dbt-sqlserver:
# `full_refresh_mode = ... or existing_relation.is_view`; dbt-snowflake drops the view), an ephemeral model has no
# relation. Anything else (a table, a materialized view, a custom materialization) is flagged.
_REBUILT_FROM_SCRATCH = frozenset({"view", "ephemeral"})


def _became_incremental_reasons(old: Mapping[str, Any]) -> list[str]:
    """Why a model that is incremental only in the candidate needs a full refresh: none when what was deployed
    leaves nothing to merge into; otherwise dbt's `is_incremental()` is true on the old table, so the first run
    merges the window into rows of the old shape and logic."""
    materialized = _materialized(old)
    if materialized in _REBUILT_FROM_SCRATCH:
        return []
    return [
        f"it was materialized as {materialized or 'unknown'} and is now incremental: its first run would merge into "
        "the existing table (is_incremental() is true), keeping its old rows and columns"
    ]


def _incremental_reasons(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    reasons = []
    if old.get("checksum", {}).get("checksum") != new.get("checksum", {}).get("checksum"):
        reasons.append(f"its SQL changed ({new.get('original_file_path', '?')})")
    columns = _column_changes(_columns(old), _columns(new))
    if columns:
        reasons.append(f"its columns changed ({columns})")
    if _contract(old) != _contract(new):
        reasons.append("its contract changed")
    constraints = _constraint_changes(_constraints(old), _constraints(new))
    if constraints:
        reasons.append(f"its constraints changed ({constraints}): dbt applies constraints when it creates the table")
    return reasons


def _columns(node: Mapping[str, Any]) -> dict[str, str | None]:
    """Declared columns (yml), lower-cased name -> declared type (None when undeclared)."""
    return {name.lower(): (column or {}).get("data_type") for name, column in node.get("columns", {}).items()}


def _column_changes(old: Mapping[str, str | None], new: Mapping[str, str | None]) -> str:
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    retyped = sorted(name for name in set(old) & set(new) if old[name] != new[name])
    return _labelled((("added", added), ("removed", removed), ("type changed", retyped)))


def _labelled(groups: Iterable[tuple[str, list[str]]]) -> str:
    """'added a, b; removed c': each non-empty group of names after its label."""
    return "; ".join(f"{label} {', '.join(names)}" for label, names in groups if names)


def _contract(node: Mapping[str, Any]) -> tuple[bool, Any]:
    """Whether the contract is enforced, and its checksum (dbt's hash of the declared names and types)."""
    enforced = bool(node.get("config", {}).get("contract", {}).get("enforced"))
    return enforced, (node.get("contract") or {}).get("checksum") if enforced else None


def _constraints(node: Mapping[str, Any]) -> set[str]:
    """The enforced constraints a contracted model declares, as "<column> <type>" (model-level ones as "<type>
    (<columns>)"). dbt's contract checksum covers names and types only, so a constraint added to an incremental
    model's contract (a not_null test become a not_null constraint) would otherwise go unnoticed: the existing table
    keeps its old nullability, and no test checks the column any more."""
    if not node.get("config", {}).get("contract", {}).get("enforced"):
        return set()
    found = {
        f"{name.lower()} {constraint.get('type')}"
        for name, column in node.get("columns", {}).items()
        for constraint in (column or {}).get("constraints") or []
    }
    found |= {f"{item.get('type')} ({', '.join(item.get('columns') or [])})" for item in node.get("constraints") or []}
    return found


def _constraint_changes(old: set[str], new: set[str]) -> str:
    return _labelled((("added", sorted(new - old)), ("removed", sorted(old - new))))


def removed_columns_used(deployed: Manifest, candidate: Manifest, tenant_package: str) -> list[Finding]:
    """The tenant package's models (an overlay) that name, in their SQL, a column the candidate no longer declares
    on a model they depend on. Matched as a whole word in the model's SQL; the column must have been declared in
    the deployed manifest and be gone from the candidate's (a column merely left undocumented is not flagged)."""
    before, after = models(deployed), models(candidate)
    findings = []
    for node in sorted(after.values(), key=lambda item: str(item["name"])):
        if node.get("package_name") != tenant_package:
            continue
        for parent_uid in node.get("depends_on", {}).get("nodes", []):
            removed = _removed_columns(before.get(parent_uid), after.get(parent_uid))
            used = sorted(name for name in removed if _names_word(node.get("raw_code", ""), name))
            if used:
                findings.append(_removed_column_finding(node, parent_uid, used))
    return findings


def _removed_columns(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> set[str]:
    if old is None or new is None:
        return set()
    return set(_columns(old)) - set(_columns(new))


def _names_word(sql: str, name: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", sql, re.IGNORECASE) is not None


def _removed_column_finding(node: Mapping[str, Any], parent_uid: str, used: list[str]) -> Finding:
    parent = parent_uid.rsplit(".", 1)[-1]
    columns = ", ".join(used)
    return Finding(
        "breaks",
        str(node["name"]),
        f"overlay model {node['name']} ({node.get('original_file_path', '?')}) uses column {columns} of {parent}, "
        "which the new product no longer has",
        f"change {node.get('original_file_path', node['name'])} to the new columns of {parent} "
        "(the product's release notes / its yml), then run `make manifest`",
    )


def vanished_names(deployed: Manifest, candidate: Manifest, names: Iterable[str]) -> list[str]:
    """Of `names` (model names a tenant file lists), those a model of the deployed manifest has and none of the
    candidate's: the tenant file then points at nothing (a name it always lacked is not the upgrade's doing)."""
    before = {str(node["name"]) for node in models(deployed).values()}
    after = {str(node["name"]) for node in models(candidate).values()}
    return sorted(name for name in set(names) if name in before and name not in after)
