"""The dlt engine's faker generator against airbyte-source-faker 7.2.1: same fields, types and semantics.

The generator runs in the dlt venv (it imports mimesis), one short subprocess per test (~1 s); the field lists
are read from source-faker's own JSON schemas in its venv, so a connector upgrade that changes them fails here.
"""

import json
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flexlake import settings
from flexlake.ingestion.embedded_dlt import dlt_python

GENERATOR = Path(settings.PROJECT_ROOT) / "plugins" / "flexlake" / "ingestion" / "dlt_faker_source.py"
SOURCE_FAKER_PACKAGE = settings.CONNECTORS_VENV_DIR / "source-faker" / "lib" / "python3.12" / "site-packages"
SOURCE_FAKER_SCHEMAS = SOURCE_FAKER_PACKAGE / "source_faker" / "schemas"
_SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("faker_source", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
count, seed = int(sys.argv[2]), int(sys.argv[3])
out = {stream: list(generate(count, seed)) for stream, generate in module.GENERATORS.items()}
print(json.dumps(out, default=lambda value: value.isoformat()))
"""


def _generate(count: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    if not dlt_python().exists():
        pytest.skip(f"{dlt_python()} is missing: run scripts/bootstrap.sh")
    result = subprocess.run(
        [str(dlt_python()), "-I", "-c", _SCRIPT, str(GENERATOR), str(count), str(seed)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records: dict[str, list[dict[str, Any]]] = json.loads(result.stdout)
    return records


def _schema(stream: str) -> dict[str, Any]:
    path = SOURCE_FAKER_SCHEMAS / f"{stream}.json"
    if not path.exists():
        pytest.skip(f"{path} is missing: run scripts/bootstrap.sh (source-faker's schemas are the reference)")
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def _matches(value: Any, spec: dict[str, Any]) -> bool:
    """A JSON value against one property of source-faker's schema (types, date-time format, object keys)."""
    types = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    if value is None:
        return "null" in types
    if spec.get("format") == "date-time":
        return isinstance(value, str) and datetime.fromisoformat(value).utcoffset() is not None
    if "object" in types:
        return isinstance(value, dict) and set(value) == set(spec["properties"])
    python_types = {"integer": int, "number": (int, float), "string": str}
    return any(isinstance(value, python_types[name]) for name in types if name in python_types)


@pytest.fixture(scope="module")
def records() -> dict[str, list[dict[str, Any]]]:
    return _generate(30, 5)


@pytest.mark.parametrize("stream", ["users", "products", "purchases"])
def test_every_record_has_source_fakers_fields_in_its_types(
    records: dict[str, list[dict[str, Any]]], stream: str
) -> None:
    """Field names equal the connector's schema; each value has the declared type (timestamps with an offset)."""
    properties = _schema(stream)["properties"]
    for record in records[stream]:
        assert set(record) == set(properties), f"{stream} fields {sorted(record)} != {sorted(properties)}"
        wrong = {name: value for name, value in record.items() if not _matches(value, properties[name])}
        assert not wrong, f"{stream} record {record['id']}: values not matching source-faker's types: {wrong}"


def test_counts_and_ids_follow_the_count_as_source_faker_does(records: dict[str, list[dict[str, Any]]]) -> None:
    """count users with ids 1..count; ten purchases per ten users (ids 1..count); products up to 100."""
    assert [user["id"] for user in records["users"]] == list(range(1, 31))
    assert sorted(purchase["id"] for purchase in records["purchases"]) == list(range(1, 31))
    assert [product["id"] for product in records["products"]] == list(range(1, 31)), "products: ids up to count"
    by_user = {user_id: 0 for user_id in range(1, 31)}
    for purchase in records["purchases"]:
        by_user[purchase["user_id"]] += 1
    assert (by_user[7], by_user[17], by_user[9], by_user[19], by_user[1]) == (0, 0, 2, 2, 1), (
        f"users ...7 buy nothing, users ...9 twice, the others once (source-faker's rule): {by_user}"
    )
    assert len({user["email"] for user in records["users"]}) == 30, "emails are unique (+<id> in the local part)"


def test_a_purchase_moves_forward_in_time_and_points_at_a_product(records: dict[str, list[dict[str, Any]]]) -> None:
    """Created, then put in a cart, then maybe bought, then maybe returned; a return implies a purchase."""
    for purchase in records["purchases"]:
        steps = [purchase[name] for name in ("created_at", "added_to_cart_at", "purchased_at", "returned_at")]
        times = [datetime.fromisoformat(step) for step in steps if step is not None]
        assert times == sorted(times), f"purchase {purchase['id']} goes back in time: {steps}"
        assert purchase["returned_at"] is None or purchase["purchased_at"] is not None, purchase
        assert 1 <= purchase["product_id"] <= 100, purchase


def test_the_same_seed_gives_the_same_records_and_another_seed_others(
    records: dict[str, list[dict[str, Any]]],
) -> None:
    """Deterministic by seed, like source-faker with parallelism 1 (updated_at is the sync time: left out)."""

    def stable(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        return {s: [{k: v for k, v in r.items() if k != "updated_at"} for r in rows] for s, rows in data.items()}

    assert stable(_generate(30, 5)) == stable(records), "the same seed must give the same records"
    other = stable(_generate(30, 6))
    assert [u["name"] for u in other["users"]] != [u["name"] for u in stable(records)["users"]], "seed 6 == seed 5"
