"""Names derived from a tenant file (schemas, roles), checked when the file is read.

Provisioning and dbt build these names from tenant_id, schema_prefix and source names (flexlake.warehouses.base
mirrors them). PostgreSQL truncates identifiers past 63 bytes, so a name that does not fit is refused here,
with the derived name in the message, instead of failing in provisioning hours later.
"""

# PostgreSQL's NAMEDATALEN - 1; the other warehouses allow more, and a tenant may move between them.
MAX_IDENTIFIER_LENGTH = 63
# The dbt project's custom schemas (flexlake.warehouses.base.MODEL_LAYERS; a unit test keeps them equal).
MODEL_LAYERS = ("staging", "input", "core", "marts", "reference")
# Role suffixes provisioning appends to the tenant id (flexlake.warehouses.*_provisioning).
ROLE_SUFFIXES = ("_transformer", "_reader", "_reader_account", "_share", "_admin", "_wh")


def raw_schema_name(schema_prefix: str, source_name: str) -> str:
    return f"{schema_prefix}_raw_{source_name}"


def schema_names(schema_prefix: str, source_names: tuple[str, ...]) -> tuple[str, ...]:
    """Every schema a tenant owns on its warehouse: one raw schema per source, then the model layers."""
    raw = tuple(raw_schema_name(schema_prefix, name) for name in source_names)
    return (*raw, *(f"{schema_prefix}_{layer}" for layer in MODEL_LAYERS))


def name_length_problems(tenant_id: str, schema_prefix: str, source_names: tuple[str, ...]) -> list[str]:
    """One line per derived name longer than MAX_IDENTIFIER_LENGTH, naming the field to shorten."""
    problems = [
        f"sources[{index}].name: the raw schema {raw_schema_name(schema_prefix, name)!r} is "
        f"{len(raw_schema_name(schema_prefix, name))} characters, warehouses allow {MAX_IDENTIFIER_LENGTH}; "
        "shorten the source name or warehouse.schema_prefix (default: the tenant_id)"
        for index, name in enumerate(source_names)
        if len(raw_schema_name(schema_prefix, name)) > MAX_IDENTIFIER_LENGTH
    ]
    longest_role = max((f"{tenant_id}{suffix}" for suffix in ROLE_SUFFIXES), key=len)
    if len(longest_role) > MAX_IDENTIFIER_LENGTH:
        problems.append(f"tenant_id: the role {longest_role!r} is longer than {MAX_IDENTIFIER_LENGTH}; shorten it")
    return problems
