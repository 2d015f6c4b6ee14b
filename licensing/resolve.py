"""Turn one distribution's license hints into an SPDX expression, and judge an expression against allowed ids.

Trust order (issue 21): License-Expression (PEP 639, already SPDX), then the License field when it is a short
name, then the `License ::` classifiers, then the text of the license field or file when metadata names
nothing. Free-text names ("Apache Software License", "BSD") go through the policy's aliases.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SHORT_FIELD = 200
OPERATORS = {"AND", "OR", "WITH"}
TOKEN = re.compile(r"\(|\)|[^\s()]+")
# Headings and clauses that identify a license text; first match wins, so the narrower ones come first.
TEXT_SIGNATURES: tuple[tuple[str, str], ...] = (
    (r"Elastic License 2\.0", "Elastic-2.0"),
    (r"GNU LESSER GENERAL PUBLIC LICENSE", "LGPL-3.0-or-later"),
    (r"GNU AFFERO GENERAL PUBLIC LICENSE", "AGPL-3.0-or-later"),
    (r"GNU GENERAL PUBLIC LICENSE\s+Version 3", "GPL-3.0-or-later"),
    (r"GNU GENERAL PUBLIC LICENSE", "GPL-2.0-or-later"),
    (r"Apache License,?\s+Version 2\.0", "Apache-2.0"),
    (r"Mozilla Public License,? (Version|v\.?) ?2\.0", "MPL-2.0"),
    (r"Permission is hereby granted, free of charge", "MIT"),
    (r"Permission to use, copy, modify, and(/or)? distribute", "ISC"),
    (r"Neither the name", "BSD-3-Clause"),
    (r"Redistribution and use in source and binary forms", "BSD-2-Clause"),
    (r"PYTHON SOFTWARE FOUNDATION LICENSE", "PSF-2.0"),
    (r"This is free and unencumbered software", "Unlicense"),
)


@dataclass(frozen=True)
class Resolved:
    """The license found for one package and where it was read from (for the report and the SBOM)."""

    expression: str | None
    source: str


def _alias(text: str, aliases: Mapping[str, str], known_ids: set[str]) -> str | None:
    """An SPDX expression for a short free-text name, or None when neither an id nor an alias."""
    cleaned = text.strip()
    if cleaned.lower() in aliases:
        return aliases[cleaned.lower()]
    tokens = [t for t in TOKEN.findall(cleaned) if t not in "()"]
    if tokens and all(t in known_ids or t in OPERATORS for t in tokens):
        return cleaned
    return None


def _from_classifiers(classifiers: Sequence[str], aliases: Mapping[str, str], known: set[str]) -> str | None:
    """Several license classifiers mean the user may pick one: join them with OR."""
    found = []
    for classifier in classifiers:
        name = classifier.split("::")[-1].strip()
        spdx = _alias(name, aliases, known)
        if spdx is None:
            return None
        if spdx not in found:
            found.append(spdx)
    return " OR ".join(found) if found else None


def _from_text(text: str) -> str | None:
    for pattern, spdx in TEXT_SIGNATURES:
        if re.search(pattern, text, re.IGNORECASE):
            return spdx
    return None


def resolve_license(package: Mapping[str, Any], aliases: Mapping[str, str], known_ids: set[str]) -> Resolved:
    """The license of one package as collect.py described it, in the trust order of the module docstring."""
    if package.get("license_expression"):
        return Resolved(str(package["license_expression"]), "License-Expression")
    field = str(package.get("license") or "")
    if field and len(field) <= SHORT_FIELD and (spdx := _alias(field, aliases, known_ids)):
        return Resolved(spdx, "License")
    if spdx := _from_classifiers(package.get("classifiers") or [], aliases, known_ids):
        return Resolved(spdx, "classifier")
    for source, text in (("License text", field), ("license file", str(package.get("license_text") or ""))):
        if text and (spdx := _from_text(text)):
            return Resolved(spdx, source)
    return Resolved(None, "none")


def _parse(tokens: list[str], allowed: set[str]) -> bool:
    """OR of ANDs of atoms; `X WITH exception` is judged by X; parentheses nest."""
    result = _parse_and(tokens, allowed)
    while tokens and tokens[0] == "OR":
        tokens.pop(0)
        right = _parse_and(tokens, allowed)
        result = result or right
    return result


def _parse_and(tokens: list[str], allowed: set[str]) -> bool:
    result = _parse_atom(tokens, allowed)
    while tokens and tokens[0] == "AND":
        tokens.pop(0)
        right = _parse_atom(tokens, allowed)
        result = result and right
    return result


def _parse_atom(tokens: list[str], allowed: set[str]) -> bool:
    if not tokens:
        return False
    token = tokens.pop(0)
    if token == "(":
        result = _parse(tokens, allowed)
        if tokens and tokens[0] == ")":
            tokens.pop(0)
    else:
        result = token in allowed
    if tokens and tokens[0] == "WITH":
        tokens[:2] = []
    return result


def is_allowed(expression: str, allowed: set[str]) -> bool:
    """True when the expression can be complied with using allowed licenses only (OR: one suffices)."""
    return _parse(TOKEN.findall(expression), allowed)


def license_ids(expression: str) -> set[str]:
    """Every license id an expression mentions (to find which flagged family it touches)."""
    return {t for t in TOKEN.findall(expression) if t not in OPERATORS and t not in "()"}
