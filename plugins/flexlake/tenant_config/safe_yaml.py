"""Read a tenant file's YAML with bounded cost: size cap, UTF-8, no aliases, plain string keys, no repeats.

The DAG file reads every tenant file at each parse, inside Airflow's 30 s import timeout, so no file may cost
more than a moment: a file is at most MAX_FILE_BYTES, and aliases are refused outright (an alias "bomb" of a
few hundred bytes expands to gigabytes). A tenant file never needs them: it is short and written by hand.
"""

from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 256 * 1024
# Nesting a tenant file needs is about 5 levels; libyaml itself stops at 1,000.
MAX_DEPTH = 32
MAX_NODES = 50_000

# libyaml's parser when PyYAML has it (5x faster: the DAG file reads every tenant file at each parse).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    """What is wrong with the file's YAML, phrased as a fix (one line)."""


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """The file's top-level mapping; YamlProblem (never anything else for bad content) when it cannot be one."""
    text = _read_text(path)
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem(_NOT_A_MAPPING)
        _check_node_tree(node)
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        raise YamlProblem(_describe_yaml_error(error)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:  # e.g. a date like 2026-13-45
        raise YamlProblem(
            f"a value cannot be read ({type(error).__name__}: {str(error)[:80]}); check dates (YYYY-MM-DD) and "
            "numbers, or quote the value"
        ) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise YamlProblem(_NOT_A_MAPPING)
    return data


_NOT_A_MAPPING = "the file must be a YAML mapping (key: value), see tenant_configs/_example.yaml"


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise YamlProblem(f"cannot read the file: {error.strerror or type(error).__name__}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise YamlProblem(
            f"the file is larger than {MAX_FILE_BYTES // 1024} KiB; a tenant file is a short hand-written config"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblem(f"the file is not UTF-8 text (byte {error.start + 1}); save it as UTF-8") from None


def _check_node_tree(root: yaml.Node) -> None:
    """Refuse aliases (a node reached twice), deep nesting and huge node counts, before anything is built."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if id(node) in seen:
            raise YamlProblem(
                f"YAML aliases (*name) are not allowed in tenant files (line {node.start_mark.line + 1}); "
                "write the value out"
            )
        seen.add(id(node))
        if depth > MAX_DEPTH or len(seen) > MAX_NODES:
            raise YamlProblem(
                f"the YAML is nested deeper than {MAX_DEPTH} levels or has more than {MAX_NODES} values "
                f"(line {node.start_mark.line + 1}); a tenant file is a short config"
            )
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or type(error).__name__
    return f"not valid YAML{where}: {problem}"


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """Keys are plain text, each once: PyYAML keeps the last of two equal keys silently, hiding a mistake."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be plain text, not a list or mapping", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key_node.value[:40]!r} must be text; quote it", key_node.start_mark
                )
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key[:40]!r} appears twice; keep one", key_node.start_mark
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping
