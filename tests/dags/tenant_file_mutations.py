"""A seeded mutator of tenant files, as a hostile or careless operator would write them (hypothesis is not
installed here): byte flips, truncation, YAML node replacement / deletion / type swaps, huge values, aliases,
non-UTF-8 bytes, deep nesting, complex keys, oversized files, pasted credentials, escaping paths.

`mutated_files(seeds, count, seed)` yields (name, bytes); the same seed always gives the same files.
"""

import random
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import yaml

SECRET = "s3cr3t-fuzz-password"
_HOSTILE_VALUES: tuple[Any, ...] = (
    "",
    "x" * 5000,
    "y" * 300_000,
    10**40,
    -1,
    0,
    float("nan"),
    True,
    False,
    None,
    date(2026, 2, 28),
    "no",
    "../../../etc/passwd",
    "/etc/passwd",
    "a" * 300 + "/b",
    f"postgresql://admin:{SECRET}@db.example.com:5432/prod",
    "'; DROP TABLE users; --",
    "USD' || (select content from read_text('/etc/passwd')) || '",
    "{Driver}=x;Server=evil",
    "* * * * *",
    "every tuesday",
    "line one\nline two",
    "Ünïcødé ✓ 🚀",
    "\x00\x01",
    ["a", "b"],
    {"nested": {"deeper": [1, 2, 3]}},
)


def mutated_files(seeds: dict[str, bytes], count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """`count` mutated tenant files, each from a random seed file and 1-3 random mutations."""
    rng = random.Random(seed)
    names = sorted(seeds)
    for index in range(count):
        name = rng.choice(names)
        content = seeds[name]
        for _ in range(rng.randint(1, 3)):
            content = rng.choice(_MUTATIONS)(content, rng)
        yield f"{index:05d}_{name}", content


def _data(content: bytes) -> Any:
    """The parsed file, or None; files with anchors are left alone (walking an expanded alias bomb never ends)."""
    if b"&" in content or len(content) > 64 * 1024:
        return None
    try:
        return yaml.load(content.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError, RecursionError):
        return None


def _dumped(data: Any, original: bytes) -> bytes:
    """The data as YAML text; the original bytes when it cannot be written (e.g. nested past the recursion limit)."""
    try:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False).encode("utf-8", "surrogatepass")
    except (RecursionError, yaml.YAMLError, ValueError):
        return original


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location of a node in parsed YAML, parents before children."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _node_mutation(change: Callable[[Any, Any, random.Random], None]) -> Callable[[bytes, random.Random], bytes]:
    """Apply `change(parent, key, rng)` at a random node of the parsed file; bytes unchanged if it is not YAML."""

    def mutate(content: bytes, rng: random.Random) -> bytes:
        data = _data(content)
        try:
            locations = _paths(data)
        except RecursionError:
            return content
        if not locations:
            return content
        location = rng.choice(locations)
        parent = data
        for part in location[:-1]:
            parent = parent[part]
        change(parent, location[-1], rng)
        return _dumped(data, content)

    return mutate


def _replace(parent: Any, key: Any, rng: random.Random) -> None:
    parent[key] = rng.choice(_HOSTILE_VALUES)


def _delete(parent: Any, key: Any, _rng: random.Random) -> None:
    del parent[key]


def _swap_type(parent: Any, key: Any, rng: random.Random) -> None:
    value = parent[key]
    parent[key] = rng.choice([[value], {"value": value}, str(value), len(str(value))])


def _misspell_key(parent: Any, key: Any, rng: random.Random) -> None:
    if isinstance(parent, dict) and isinstance(key, str) and len(key) > 2:
        cut = rng.randrange(len(key))
        parent[key[:cut] + key[cut + 1 :]] = parent.pop(key)


def _flip_bytes(content: bytes, rng: random.Random) -> bytes:
    mutable = bytearray(content)
    for _ in range(rng.randint(1, 8)):
        if mutable:
            mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def _truncate(content: bytes, rng: random.Random) -> bytes:
    return content[: rng.randrange(len(content) + 1)]


def _alias_bomb(content: bytes, rng: random.Random) -> bytes:
    levels = rng.randint(3, 9)
    lines = ['b0: &b0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"b{n}: &b{n} [{', '.join([f'*b{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines).encode() + b"\n" + content


def _complex_key(content: bytes, _rng: random.Random) -> bytes:
    return content + b"? [a, b]\n: 1\n"


def _non_utf8(content: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(content) + 1)
    return content[:at] + rng.choice([b"\xff\xfe", b"\xc3\x28", b"\x80", b"\xed\xa0\x80"]) + content[at:]


def _deep_nesting(content: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([40, 500, 5000])
    return content + b"deep: " + b"[" * depth + b"]" * depth + b"\n"


def _oversized(content: bytes, _rng: random.Random) -> bytes:
    return content + b"# " + b"p" * (300 * 1024) + b"\n"


def _duplicate_line(content: bytes, rng: random.Random) -> bytes:
    lines = content.splitlines(keepends=True)
    if not lines:
        return content
    at = rng.randrange(len(lines))
    return b"".join([*lines[: at + 1], lines[at], *lines[at + 1 :]])


def _secret_connection(content: bytes, _rng: random.Random) -> bytes:
    data = _data(content)
    if not isinstance(data, dict):
        return content
    data["warehouse"] = {"type": "postgres", "connection_id": f"postgresql://admin:{SECRET}@h/db", "database": "db"}
    return _dumped(data, content)


def _escaping_path(content: bytes, rng: random.Random) -> bytes:
    data = _data(content)
    if not isinstance(data, dict):
        return content
    target = rng.choice(["../../outside", "/etc", "x" * 300, "overlays/../../.."])
    if rng.random() < 0.5:
        data["warehouse"] = {"type": "duckdb", "path": f"{target}/w.duckdb"}
    else:
        data.setdefault("dbt", {})
        if isinstance(data["dbt"], dict):
            data["dbt"]["overlay_project"] = target
    return _dumped(data, content)


_MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    _node_mutation(_replace),
    _node_mutation(_replace),
    _node_mutation(_delete),
    _node_mutation(_swap_type),
    _node_mutation(_misspell_key),
    _flip_bytes,
    _truncate,
    _alias_bomb,
    _complex_key,
    _non_utf8,
    _deep_nesting,
    _oversized,
    _duplicate_line,
    _secret_connection,
    _escaping_path,
)
