"""The tenant file `flexlake new-tenant` writes, as a mapping: pure, no I/O, no validation of its own.

Validation is the loader's (load_tenant_config + the folder-wide checks); this module only turns the operator's
answers into the fields of a tenant file, with the conventions of tenant_configs/_example.yaml: credentials
connections named <tenant>_<source>, the Airbyte workspace left to its default (flexlake-<tenant>).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flexlake.tenant_config.warehouse_schema import ENGINE_WAREHOUSES

AIRBYTE_ONLY_SYSTEMS = frozenset({"shopify", "stripe"})


@dataclass(frozen=True)
class SourceAnswer:
    """One `--source system[:name]`, with what shopify / stripe require (store, account, start date)."""

    system: str
    name: str
    shop: str | None = None
    account_id: str | None = None
    start_date: date | None = None


@dataclass(frozen=True)
class TenantAnswers:
    """Everything new-tenant asks; server warehouses carry connection_id and database."""

    tenant_id: str
    tier: str
    warehouse: str
    sources: tuple[SourceAnswer, ...]
    connection_id: str | None = None
    database: str | None = None
    airbyte_connection_id: str = "airbyte_default"
    overlay: bool = False
    display_name: str | None = None


def needs_airbyte_engine(system: str, warehouse: str) -> bool:
    """shopify / stripe always; faker when the embedded engine cannot write into the warehouse."""
    return system in AIRBYTE_ONLY_SYSTEMS or warehouse not in ENGINE_WAREHOUSES["embedded"]


def credentials_connection_id(tenant_id: str, source_name: str) -> str:
    return f"{tenant_id}_{source_name}"


def overlay_folder_name(tenant_id: str) -> str:
    return f"overlays/{tenant_id}"


def tenant_document(answers: TenantAnswers) -> dict[str, Any]:
    """The tenant file's fields in the order _example.yaml documents them."""
    document: dict[str, Any] = {
        "tenant_id": answers.tenant_id,
        "display_name": answers.display_name or answers.tenant_id.replace("_", " ").title(),
        "tier": answers.tier,
        "warehouse": _warehouse(answers),
        "sources": [_source(answers, source) for source in answers.sources],
    }
    if any(needs_airbyte_engine(source.system, answers.warehouse) for source in answers.sources):
        document["airbyte"] = {"connection_id": answers.airbyte_connection_id}
    if answers.overlay:
        document["dbt"] = {"overlay_project": overlay_folder_name(answers.tenant_id)}
    return document


def _warehouse(answers: TenantAnswers) -> dict[str, Any]:
    if answers.warehouse == "duckdb":
        return {"type": "duckdb"}
    return {"type": answers.warehouse, "connection_id": answers.connection_id, "database": answers.database}


def _source(answers: TenantAnswers, source: SourceAnswer) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": source.name, "system": source.system}
    if source.system == "faker":
        if needs_airbyte_engine("faker", answers.warehouse):
            entry["engine"] = "airbyte"
        return entry
    entry["credentials_connection_id"] = credentials_connection_id(answers.tenant_id, source.name)
    if source.system == "shopify":
        entry["shop"] = source.shop
    else:
        entry["account_id"] = source.account_id
    entry["start_date"] = source.start_date
    return entry
