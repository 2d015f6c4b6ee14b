"""`flexlake plan`'s text output: one block per tenant, the provisioning SQL last (it is the longest)."""

from typing import Any

from flexlake.operator_tools.plan import TenantPlan


def render_plan(plan: TenantPlan) -> str:
    doc = plan.document
    lines = [
        f"plan for {plan.tenant_id} ({plan.file}); nothing was written",
        f"  DAG {doc['dag_id']}, schedule {doc['schedule']}, {doc['task_count']} tasks "
        f"({len(doc['models_built'])} models, {doc['tests']} test tasks)",
        f"  ingestion tasks: {', '.join(doc['tasks']['ingestion'])}",
        f"  models removed from the product: {', '.join(doc['models_removed']) or 'none'} "
        f"(and {doc['models_of_absent_systems']} staging/adapter models of source systems the tenant does not have)",
        f"  models added by an overlay: {', '.join(doc['models_added']) or 'none'}",
        f"  pass-through columns: {_pass_through(doc['pass_through_columns'])}",
        f"  catalog: {doc['catalog']['location']} "
        f"({'docs + run summary' if doc['catalog']['docs'] else 'run summary only'})",
    ]
    lines.append(f"  against the last published run: {_deployed(doc['against_deployed'])}")
    lines.extend(_airbyte(doc["airbyte"]))
    lines.append("  provisioning SQL (secrets masked):")
    lines.extend(f"    {line}" if line else "" for line in doc["provisioning_sql"].splitlines())
    return "\n".join(lines)


def _pass_through(columns: dict[str, list[str]]) -> str:
    return "; ".join(f"{entity}: {', '.join(items)}" for entity, items in columns.items()) or "none"


def _airbyte(objects: dict[str, Any] | None) -> list[str]:
    if objects is None:
        return ["  airbyte: no source with engine airbyte"]
    lines = [
        f"  airbyte (server connection {objects['server_connection_id']}; names only, the server is not asked):",
        f"    workspace {objects['workspace']}, tag {objects['tag']}",
    ]
    for source in objects["sources"]:
        lines.append(
            f"    source {source['source']} -> destination {source['destination']} (schema {source['raw_schema']}), "
            f"connection {source['connection']}; credentials: {source['credentials_connection_id'] or 'none'}"
        )
    return lines


def _deployed(diff: dict[str, Any] | None) -> str:
    if diff is None:
        return "none published (a new tenant: everything above is new)"
    added = ", ".join(diff["added"]) or "none"
    dropped = ", ".join(diff["dropped"]) or "none"
    return f"version {diff['version']}: models added {added}; models no longer built {dropped}"
