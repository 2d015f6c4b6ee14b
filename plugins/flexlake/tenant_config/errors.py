"""Turn pydantic and YAML failures into messages an operator can act on: file, field, fix."""

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

SCHEMA_HINT = "Check every tenant with `flexlake validate`; field reference: tenant_configs/tenant_config.schema.json"


class TenantConfigError(ValueError):
    """A tenant file that cannot become a pipeline. `problems` are one line each: `field: what and fix`."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path} is invalid:", *(f"  - {problem}" for problem in problems), SCHEMA_HINT]
        super().__init__("\n".join(lines))


def describe_validation_error(error: ValidationError, model: type[BaseModel]) -> list[str]:
    """One readable line per pydantic error, with 'did you mean' for misspelt keys.

    A list whose items failed also reports itself too short; that line only misleads, so it is dropped.
    """
    items = error.errors()
    failed_parents = {tuple(item["loc"][:cut]) for item in items for cut in range(1, len(item["loc"]))}
    return [
        _describe_one(item, model)
        for item in items
        if not (item["type"] == "too_short" and tuple(item["loc"]) in failed_parents)
    ]


def _describe_one(item: Any, model: type[BaseModel]) -> str:
    loc = tuple(item["loc"])
    location = _dotted(_walk(model, loc)[0])
    if item["type"] == "extra_forbidden":
        return _unexpected_field(loc, model, location)
    describe = _DESCRIBERS.get(item["type"])
    if describe is not None:
        return describe(location, item.get("ctx", {}), item.get("input"))
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def _unknown_tag(location: str, ctx: dict[str, Any], _: Any) -> str:
    field = str(ctx.get("discriminator", "type")).strip("'")
    expected = str(ctx.get("expected_tags", "")).replace("'", "")
    return f"{location}.{field}: {ctx.get('tag', '')!r} is not one of {expected}"


_DESCRIBERS: dict[str, Callable[[str, dict[str, Any], Any], str]] = {
    "too_short": lambda location, _ctx, _input: f"{location}: needs at least one entry",
    "missing": lambda location, _ctx, _input: f"{location}: required field is missing",
    "union_tag_invalid": _unknown_tag,
    "union_tag_not_found": lambda location, ctx, _input: (
        f"{location}: needs a {str(ctx.get('discriminator', 'type')).strip(chr(39))} field"
    ),
    "literal_error": lambda location, ctx, value: (
        f"{location}: {value!r} is not one of {str(ctx.get('expected', '')).replace(chr(39), '')}"
    ),
    "string_pattern_mismatch": lambda location, _ctx, value: (
        f"{location}: {value!r} must be lower-case letters, digits and underscores, starting with a letter, "
        "2-40 characters (it is used in DAG ids, schema names and paths)"
    ),
}


def _unexpected_field(loc: tuple[Any, ...], model: type[BaseModel], location: str) -> str:
    _, parents = _walk(model, loc[:-1])
    allowed = list(parents[0].model_fields) if len(parents) == 1 else []
    suggestion = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    if suggestion:
        return f"{location}: unexpected field. Did you mean {suggestion[0]!r}?"
    return f"{location}: unexpected field. Allowed here: {', '.join(sorted(allowed))}"


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[type[BaseModel]]]:
    """Follow an error location through the models; return it without union tags, and the models at its end.

    Pydantic puts a discriminated union's tag in the location (`warehouse.postgres.x`); the operator wrote
    `warehouse: {type: postgres, x: ...}`, so the tag is dropped from what we show.
    """
    kept: list[Any] = []
    candidates: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            kept.append(part)
            continue
        tagged = [member for member in candidates if part not in member.model_fields and _has_tag(member, part)]
        if tagged:
            candidates = tagged
            continue
        kept.append(part)
        fields = candidates[0].model_fields if len(candidates) == 1 else {}
        candidates = _models_in(fields[part].annotation) if part in fields else []
    return tuple(kept), candidates


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Every pydantic model named in an annotation: `X`, `tuple[X, ...]`, `Annotated[A | B, ...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()):
        found.extend(_models_in(arg))
    return found


def _has_tag(member: type[BaseModel], tag: Any) -> bool:
    return any(tag in getattr(field.annotation, "__args__", ()) for field in member.model_fields.values())


def _dotted(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)
