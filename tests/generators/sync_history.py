"""Seeded random sync histories over generated raw datasets, for the incremental-equivalence harness.

`SyncHistory(seed, datasets)` starts from the generators' datasets (faker, Shopify, Stripe; by raw schema)
with a random share of their rows withheld, then `next_sync()` appends one Airbyte sync per system:

- late-arriving rows: withheld rows released with a new `_airbyte_extracted_at` (orders placed months ago,
  refunds of old orders, refund transactions, later versions), some extracted an hour *before* the previous
  sync (committed out of order, inside the incremental lookback);
- records leaving scope, by changing their newest version: a faker purchase back to an abandoned cart, a
  Shopify order made a test order, cancelled or deleted (a deletion record), a line removed from an order,
  a Stripe invoice back in draft, voided or in test mode, a one-off charge failed, a refund failed (with its
  charge's new amount_refunded); and records re-entering scope (their earlier version again, newer cursor);
- records moved to another customer or product, a product repriced, a customer renamed;
- duplicate appends (the newest version again, unchanged) and empty syncs (a system with no rows).

Every step's events are logged (`history.log`) so a failing comparison prints what happened. The FX rate
table gains its JPY rows at step 2 (`fx_rates()`): "rates added later".
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.generators.fx_rates import FxRate, generate_fx_rates
from tests.generators.raw_tables import RawDataset, RawStream, Sync, emit
from tests.generators.shopify import SYNC_2

Row = dict[str, Any]
Change = Callable[[Row, "SyncHistory", str], Row | None]
STEP_DAYS = 7  # longer than the default lookback (72 h): each run really reads only a window
_CURSORS = {"transactions": "created_at", "order_refunds": "created_at", "subscription_items": "subscription_updated"}
_NO_CURSOR = {"invoice_line_items"}


@dataclass
class SyncHistory:
    """Raw datasets grown one sync at a time from generated ones; see the module docstring."""

    seed: int
    generated: dict[str, RawDataset]
    withheld_share: float = 0.15
    mutations_per_system: int = 6
    datasets: dict[str, RawDataset] = field(init=False)
    log: list[str] = field(init=False, default_factory=list)
    step: int = field(init=False, default=0)
    _pending: dict[tuple[str, str], list[Row]] = field(init=False, default_factory=dict)
    _left: list[tuple[str, str, Row]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"history:{self.seed}")
        self.datasets = {}
        for schema, dataset in self.generated.items():
            streams = {}
            for name, stream in dataset.streams.items():
                kept, withheld = [], []
                for row in stream.rows:
                    (withheld if self.rng.random() < self.withheld_share else kept).append(row)
                streams[name] = RawStream(name, stream.columns, kept)
                self._pending[(schema, name)] = withheld
            self.datasets[schema] = RawDataset(dataset.system, streams)
        self.log.append(f"step 0: generated rows, {sum(len(v) for v in self._pending.values())} withheld")

    def sync_time(self, step: int | None = None) -> dt.datetime:
        """When sync `step` (default: the current one) extracted."""
        return SYNC_2.extracted_at + dt.timedelta(days=STEP_DAYS * (self.step if step is None else step))

    def fx_rates(self) -> list[FxRate]:
        """The tenant's rate table as of the current step: JPY rates arrive at step 2."""
        rates = generate_fx_rates(self.seed)
        if self.step >= 2:
            return rates
        return [rate for rate in rates if "JPY" not in (rate.from_currency, rate.to_currency)]

    def next_sync(self) -> None:
        """Append the next sync of every system (some empty) and log its events."""
        self.step += 1
        for schema, dataset in self.datasets.items():
            if self.rng.random() < 0.2:
                self.log.append(f"step {self.step} {schema}: empty sync")
                continue
            self._release(schema, dataset)
            for _ in range(self.mutations_per_system):
                self._mutate(schema, dataset)

    # --- late rows -------------------------------------------------------------------------------------

    def _release(self, schema: str, dataset: RawDataset) -> None:
        for name in dataset.streams:
            pending = self._pending[(schema, name)]
            count = self.rng.randint(0, len(pending)) if self.step < 3 else len(pending)
            released, self._pending[(schema, name)] = pending[:count], pending[count:]
            early = self.rng.random() < 0.3 and self.step > 1
            moment = self.sync_time(self.step - 1) - dt.timedelta(hours=1) if early else self.sync_time()
            for row in released:
                dataset.streams[name].rows.append(row | {"_airbyte_extracted_at": moment})
            if released:
                when = "out of order, an hour before the previous sync" if early else "late"
                self.log.append(f"step {self.step} {schema}.{name}: {len(released)} withheld rows released ({when})")

    # --- changed records -------------------------------------------------------------------------------

    def _mutate(self, schema: str, dataset: RawDataset) -> None:
        name, label, change = self.rng.choice(_MUTATIONS[dataset.system])
        if label == "re-enter scope":
            candidates = [(s, n, row) for s, n, row in self._left if s == schema]
            if not candidates:
                return
            entry = self.rng.choice(candidates)
            self._left.remove(entry)
            record: Row | None = self.restamp(entry[2], dataset.system, entry[1])
            name, stream = entry[1], dataset.streams[entry[1]]
        else:
            stream = dataset.streams[name]
            latest = latest_versions(stream, dataset.system)
            if not latest:
                return
            current = self.rng.choice(sorted(latest.values(), key=lambda row: str(row["id"])))
            record = change(own_columns(current, stream), self, dataset.system)
            if record is not None and label.startswith("leave"):
                self._left.append((schema, name, own_columns(current, stream)))
        if record is None:
            return
        emit(stream, [(record, Sync(9000 + self.step, self.sync_time()))], seed=self.seed * 7_919 + self.step)
        self.log.append(f"step {self.step} {schema}.{name} {record['id']}: {label}")

    def restamp(self, record: Row, system: str, stream: str) -> Row:
        """The record with its cursor at this sync, so it is the newest version."""
        cursor = _CURSORS.get(stream, "updated" if system == "stripe" else "updated_at")
        if stream in _NO_CURSOR:
            return copy.deepcopy(record)
        moment = self.sync_time()
        value: Any = int(moment.timestamp()) if system == "stripe" and cursor == "updated" else moment
        return copy.deepcopy(record) | {cursor: value}

    def other(self, schema_system: str, stream: str, column: str) -> Any:
        """A random value of `column` among the newest versions of `stream` of a system (a customer id...)."""
        dataset = next(d for d in self.datasets.values() if d.system == schema_system)
        values = sorted(
            (row[column] for row in latest_versions(dataset.streams[stream], schema_system).values() if row[column]),
            key=str,
        )
        return self.rng.choice(values) if values else None


def latest_versions(stream: RawStream, system: str) -> dict[Any, Row]:
    """The newest row per id (cursor, then extraction; a deletion record counts by its deleted_at)."""
    cursor = _CURSORS.get(stream.name, "updated" if system == "stripe" else "updated_at")
    best: dict[Any, tuple[tuple[Any, ...], Row]] = {}
    for row in stream.rows:
        value = row.get(cursor) if stream.name not in _NO_CURSOR else None
        value = value if value is not None else row.get("deleted_at")
        rank = (value is not None, str(value), row["_airbyte_extracted_at"])
        if row["id"] not in best or rank > best[row["id"]][0]:
            best[row["id"]] = (rank, row)
    return {key: row for key, (_, row) in best.items()}


def own_columns(row: Row, stream: RawStream) -> Row:
    """A raw row without Airbyte's metadata: the record as the connector emitted it."""
    return {name: copy.deepcopy(row.get(name)) for name, _ in stream.columns}


# --- the mutations per system ------------------------------------------------------------------------------


def _when(history: SyncHistory, system: str, row: Row, stream: str) -> Row:
    return history.restamp(row, system, stream)


def _set(stream: str, **values: Any) -> Change:
    def change(row: Row, history: SyncHistory, system: str) -> Row | None:
        return _when(history, system, row | values, stream)

    return change


def _faker_abandon(row: Row, history: SyncHistory, system: str) -> Row | None:
    if row["purchased_at"] is None:
        return None
    return _when(history, system, row | {"purchased_at": None, "returned_at": None}, "purchases")


def _faker_return(row: Row, history: SyncHistory, system: str) -> Row | None:
    if row["purchased_at"] is None or row["returned_at"] is not None:
        return None
    return _when(history, system, row | {"returned_at": history.sync_time()}, "purchases")


def _move(stream: str, column: str, source_stream: str, source_column: str = "id") -> Change:
    def change(row: Row, history: SyncHistory, system: str) -> Row | None:
        if row.get(column) is None:
            return None
        return _when(history, system, row | {column: history.other(system, source_stream, source_column)}, stream)

    return change


def _shopify_delete(row: Row, history: SyncHistory, system: str) -> Row | None:
    if row.get("deleted_at") is not None:
        return None
    return {"id": row["id"], "deleted_at": history.sync_time(), "shop_url": row["shop_url"]}


def _shopify_drop_line(row: Row, history: SyncHistory, system: str) -> Row | None:
    if row.get("deleted_at") is not None or not row.get("line_items") or len(row["line_items"]) < 2:
        return None
    return _when(history, system, row | {"line_items": row["line_items"][:-1]}, "orders")


def _shopify_change(**values: Any) -> Change:
    def change(row: Row, history: SyncHistory, system: str) -> Row | None:
        if row.get("deleted_at") is not None:
            return None
        return _when(history, system, row | values, "orders")

    return change


def _shopify_move_customer(row: Row, history: SyncHistory, system: str) -> Row | None:
    if row.get("deleted_at") is not None or row.get("customer") is None:
        return None
    customer = history.other(system, "orders", "customer")
    return _when(history, system, row | {"customer": customer}, "orders")


def _stripe_status(statuses: set[str], new_status: str, stream: str) -> Change:
    def change(row: Row, history: SyncHistory, system: str) -> Row | None:
        if row.get("status") not in statuses or (stream == "charges" and row.get("invoice") is not None):
            return None
        return _when(history, system, row | {"status": new_status}, stream)

    return change


def _stripe_refund_fails(row: Row, history: SyncHistory, system: str) -> Row | None:
    """The refund fails; its charge gets a new version with the amount no longer refunded."""
    if row.get("status") != "succeeded":
        return None
    dataset = next(d for d in history.datasets.values() if d.system == "stripe")
    charges = dataset.streams["charges"]
    charge = latest_versions(charges, "stripe").get(row["charge"])
    if charge is not None:
        refunded = max(0, (charge["amount_refunded"] or 0) - row["amount"])
        new_charge = own_columns(charge, charges) | {"amount_refunded": refunded, "refunded": False}
        sync = Sync(9000 + history.step, history.sync_time())
        emit(charges, [(_when(history, system, new_charge, "charges"), sync)], seed=history.seed * 104_729)
    return _when(history, system, row | {"status": "failed"}, "refunds")


_REENTER: tuple[str, str, Change] = ("", "re-enter scope", _set(""))
_MUTATIONS: dict[str, tuple[tuple[str, str, Change], ...]] = {
    "faker": (
        ("purchases", "leave scope: abandoned cart again", _faker_abandon),
        ("purchases", "returned (refund of an old order)", _faker_return),
        ("purchases", "moved to another customer", _move("purchases", "user_id", "users")),
        ("purchases", "moved to another product", _move("purchases", "product_id", "products")),
        ("products", "repriced", lambda row, h, s: _when(h, s, row | {"price": row["price"] + 1000}, "products")),
        ("users", "renamed", _set("users", name="Renamed User")),
        ("purchases", "duplicate append", lambda row, h, s: row),
        _REENTER,
    ),
    "shopify": (
        ("orders", "leave scope: test order", _shopify_change(test=True)),
        ("orders", "leave scope: cancelled", _shopify_change(cancelled_at=SYNC_2.extracted_at, cancel_reason="other")),
        ("orders", "deleted (deletion record)", _shopify_delete),
        ("orders", "a line removed from the order", _shopify_drop_line),
        ("orders", "moved to another customer", _shopify_move_customer),
        ("customers", "renamed", _set("customers", first_name="Renamed")),
        ("orders", "duplicate append", lambda row, h, s: row),
        _REENTER,
    ),
    "stripe": (
        ("invoices", "leave scope: back in draft", _stripe_status({"paid", "open"}, "draft", "invoices")),
        ("invoices", "voided", _stripe_status({"paid", "open"}, "void", "invoices")),
        ("invoices", "leave scope: test mode", _set("invoices", livemode=False)),
        ("invoices", "moved to another customer", _move("invoices", "customer", "customers")),
        ("charges", "leave scope: one-off charge failed", _stripe_status({"succeeded"}, "failed", "charges")),
        ("refunds", "leave scope: refund failed", _stripe_refund_fails),
        ("charges", "duplicate append", lambda row, h, s: row),
        _REENTER,
    ),
}
