"""The DAG's doc_md, generated from the tenant file: what an operator needs on the DAG page, no secrets.

Only names are shown (connection ids, databases, schemas); connection ids are the place secrets live.
"""

from pathlib import Path

from flexlake.tenant_config import TenantConfig, TenantConfigError
from flexlake.tenant_config.errors import displayed_path

# The DAG list shows the description in full: long enough for a few problem lines, bounded whatever the file holds.
MAX_DESCRIPTION_CHARS = 600
INVALID_PREFIX = "INVALID"


def tenant_description(tenant: TenantConfig) -> str:
    """The DAG list's one line: what the DAG does and for which tier, warehouse and schedule (no secrets)."""
    return (
        f"{tenant.display_name}: sync, transform, publish | tier {tenant.tier} | "
        f"warehouse {tenant.warehouse.type} | schedule {tenant.effective_schedule} (UTC)"
    )


def config_error_display_name(error: TenantConfigError) -> str:
    """Starts with INVALID so the broken tenant stands out in the DAG list, whatever its id looks like."""
    return f"{INVALID_PREFIX} tenant file {displayed_path(Path(error.path.name))[:120]}"


def config_error_description(error: TenantConfigError) -> str:
    """INVALID, the file, then the problems themselves: an operator reads why without opening the DAG docs."""
    count = len(error.problems)
    summary = f"{config_error_display_name(error)}: {count} problem{'s' if count != 1 else ''}: "
    summary += "; ".join(error.problems)
    if len(summary) > MAX_DESCRIPTION_CHARS:
        summary = f"{summary[: MAX_DESCRIPTION_CHARS - 40]}... (the full list in the DAG docs)"
    return summary


def tenant_doc_md(tenant: TenantConfig, source_file: str) -> str:
    warehouse = tenant.warehouse
    warehouse_lines = [f"- type: `{warehouse.type}`"]
    for field in ("connection_id", "database", "path"):
        value = getattr(warehouse, field, None)
        if value:
            warehouse_lines.append(f"- {field}: `{value}`")
    warehouse_lines.append(
        f"- schemas: `{tenant.schema_prefix}_raw_<source>`, `{tenant.schema_prefix}_staging`, "
        f"`{tenant.schema_prefix}_core`, `{tenant.schema_prefix}_marts`"
    )
    source_lines = [
        f"- `{source.name}`: {source.system} via the {source.engine} engine, streams {', '.join(source.streams)}"
        for source in tenant.sources
    ]
    changed_vars = ", ".join(f"`{key}={value}`" for key, value in sorted(tenant.dbt.vars.as_dbt_vars().items()))
    customization = [
        f"- marts removed: {', '.join(tenant.dbt.disabled_marts) or 'none'}",
        f"- models excluded: {', '.join(tenant.dbt.exclude_models) or 'none'}",
        f"- vars: {changed_vars or 'product defaults'}",
        f"- overlay dbt project (replaced and added models): `{tenant.dbt.overlay_project or 'none'}`",
    ]
    return "\n".join(
        [
            f"# {tenant.display_name} (`{tenant.tenant_id}`)",
            f"Tier **{tenant.tier}**, schedule `{tenant.effective_schedule}`, "
            f"catalog {'published' if tenant.catalog_enabled else 'not included (run summary only)'}.",
            f"Generated from `{source_file}`: edit that file, not this DAG.",
            "## Warehouse",
            *warehouse_lines,
            "## Sources",
            *source_lines,
            "## dbt customization",
            *customization,
            "## Flow",
            "`airbyte_sync__<source>` (parallel) → `dbt_transform` (one task per model, tests after each) → "
            "`publish_catalog`",
        ]
    )


def config_error_doc_md(error: TenantConfigError) -> str:
    """The problems as the error carries them: redacted and bounded (TenantConfigError), like the file's name."""
    problems = "\n".join(f"- {problem}" for problem in error.problems)
    name = displayed_path(Path(error.path.name))
    return "\n".join(
        [
            f"# Invalid tenant file `{name}`",
            "This tenant has **no pipeline** until its file is fixed: nothing is scheduled. "
            "Other tenants are not affected.",
            "## Problems",
            problems,
            "## Fix",
            f"Edit `{displayed_path(error.path)}` and check it with `flexlake validate {name}`. "
            "Field reference: `tenant_configs/tenant_config.schema.json`, example: `tenant_configs/_example.yaml`. "
            "The DAG returns to normal at the next parse (about 30 s).",
        ]
    )
