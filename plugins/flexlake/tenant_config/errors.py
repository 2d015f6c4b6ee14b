"""Turn pydantic and YAML failures into messages an operator can act on: file, field, fix."""

import difflib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

SCHEMA_HINT = "Check every tenant with `flexlake validate`; field reference: tenant_configs/tenant_config.schema.json"
# An echoed value is cut to this many characters, a problem line to MAX_PROBLEM_CHARS, and at most MAX_PROBLEMS
# lines are kept: a message never grows with the input (a 300 MB value must not become a 300 MB log line).
MAX_VALUE_CHARS = 60
MAX_PROBLEM_CHARS = 400
MAX_PROBLEMS = 20
# What looks like a credential a user pasted: the password of a URI's user info, and key=value / key: value
# secrets. Redacted wherever a tenant file's text is echoed (validate, logs, the error DAG's docs). Quantifiers
# are bounded and the scheme anchored, so redacting stays linear in the text's length.
_URI_PASSWORD = re.compile(
    r"(?P<keep>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://[^\s:/@'\"]{0,256}:)[^\s@'\"]{0,256}(?=@)"
)
_KEY_VALUE_SECRET = re.compile(
    r"(?P<keep>(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)['\"]?\s{0,5}[=:]\s{0,5}['\"]?)"
    r"[^\s'\";,&]{1,256}",
    re.IGNORECASE,
)


# A URL whose path carries a token (a Slack or Teams webhook, a signed link): a path segment of 16+ token characters.
_URL_TOKEN_PATH = re.compile(
    r"(?P<keep>\bhttps?://[^\s/'\"]{1,256})/(?=[^\s'\"]{0,512}?[A-Za-z0-9_-]{16})[^\s'\"]{1,1024}", re.IGNORECASE
)


def redact(text: str) -> str:
    """`postgresql://user:***@host`, `password=***`, `https://hooks.slack.com/***`: the secret part of anything that
    looks like a credential, a webhook URL's token path included."""
    text = _URL_TOKEN_PATH.sub(r"\g<keep>/***", _URI_PASSWORD.sub(r"\g<keep>***", text))
    return _KEY_VALUE_SECRET.sub(r"\g<keep>***", text)


def shown(value: Any) -> str:
    """A value as echoed in a message: redacted, cut to MAX_VALUE_CHARS (a cut URI is cut before its user info)."""
    body = redact((value if isinstance(value, str) else repr(value))[:1000])
    cut = len(body) > MAX_VALUE_CHARS
    body = body[:MAX_VALUE_CHARS]
    if cut and "://" in body:
        body = body[: body.index("://") + 3]
    text = repr(body) if isinstance(value, str) else body
    return f"{text}..." if cut else text


def displayed_path(path: Path) -> str:
    """A file path as printable, redacted text of bounded length (a name can hold any byte and be 255 long)."""
    text = redact(str(path).encode("utf-8", "backslashreplace").decode("utf-8"))
    return text if len(text) <= 300 else f"...{text[-297:]}"


def _bounded(problem: str) -> str:
    line = redact(" ".join(problem[:4000].encode("utf-8", "backslashreplace").decode("utf-8").split()))
    return line if len(line) <= MAX_PROBLEM_CHARS else f"{line[: MAX_PROBLEM_CHARS - 3]}..."


class TenantConfigError(ValueError):
    """A tenant file that cannot become a pipeline. `problems` are one line each: `field: what and fix`.

    Problems are redacted and bounded here, once, so every place that shows them (validate, the DAG file's
    log, the error DAG's docs) shows no secret and no unbounded text.
    """

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        kept = [_bounded(problem) for problem in problems[:MAX_PROBLEMS]]
        if len(problems) > MAX_PROBLEMS:
            kept.append(f"... and {len(problems) - MAX_PROBLEMS} more problems")
        self.problems = kept
        lines = [f"{displayed_path(path)} is invalid:", *(f"  - {problem}" for problem in kept), SCHEMA_HINT]
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
    if item["type"] not in {"value_error", "assertion_error"} and "input" in item:
        message = f"{shown(item['input'])}: {message}{_yaml_boolean_hint(item['input'])}"
    return f"{location}: {message}" if location else message


def _yaml_boolean_hint(value: Any) -> str:
    """YAML 1.1 reads yes/no/on/off as booleans: `revenue_basis: no` is False, not the word."""
    return "; YAML reads yes/no/on/off/true/false as a boolean: quote the word" if isinstance(value, bool) else ""


def _unknown_tag(location: str, ctx: dict[str, Any], _: Any) -> str:
    field = str(ctx.get("discriminator", "type")).strip("'")
    expected = str(ctx.get("expected_tags", ""))
    tag = ctx.get("tag", "")
    return f"{location}.{field}: {shown(tag)} is not one of {expected.replace(chr(39), '')}{_nearest(tag, expected)}"


def _not_a_choice(location: str, ctx: dict[str, Any], value: Any) -> str:
    expected = str(ctx.get("expected", ""))
    choices = expected.replace(chr(39), "")
    return f"{location}: {shown(value)} is not one of {choices}{_nearest(value, expected)}{_yaml_boolean_hint(value)}"


def _nearest(value: Any, expected: str) -> str:
    """ ". Did you mean 'shopify'?" for a misspelt enum value, as for a misspelt key; empty when nothing is close.

    `expected` is pydantic's own list ("'faker', 'shopify' or 'stripe'"); only its quoted choices are offered."""
    if not isinstance(value, str):
        return ""
    choices = re.findall(r"'([^']*)'", expected)
    match = difflib.get_close_matches(value[:MAX_VALUE_CHARS].lower(), choices, n=1, cutoff=0.6)
    return f". Did you mean {match[0]!r}?" if match else ""


_DESCRIBERS: dict[str, Callable[[str, dict[str, Any], Any], str]] = {
    "too_short": lambda location, _ctx, _input: f"{location}: needs at least one entry",
    "missing": lambda location, _ctx, _input: f"{location}: required field is missing",
    "union_tag_invalid": _unknown_tag,
    "union_tag_not_found": lambda location, ctx, _input: (
        f"{location}: needs a {str(ctx.get('discriminator', 'type')).strip(chr(39))} field"
    ),
    "literal_error": _not_a_choice,
    "string_pattern_mismatch": lambda location, ctx, value: (
        f"{location}: {shown(value)} {PATTERN_EXPLANATIONS.get(str(ctx.get('pattern')), _pattern_fallback(ctx))}"
    ),
}


def _pattern_fallback(ctx: dict[str, Any]) -> str:
    return f"does not match the pattern {ctx.get('pattern')} (see the field's description in the JSON schema)"


# What each pattern of the models means, phrased as the fix; registered by the modules declaring the patterns.
PATTERN_EXPLANATIONS: dict[str, str] = {}


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
