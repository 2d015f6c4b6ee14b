"""`flexlake new-tenant` flags → TenantAnswers; a missing value is asked for only when stdin is a terminal.

Without a terminal (CI, scripts) a missing value is an error naming the flag, never a silent default: a
tenant file with a made-up connection id or Stripe account would validate and then fail in its first run.
"""

import argparse
import re
from collections.abc import Callable
from datetime import date

from flexlake.operator_tools.tenant_document import AIRBYTE_ONLY_SYSTEMS, SourceAnswer, TenantAnswers
from flexlake.tenant_config.errors import PATTERN_EXPLANATIONS, shown
from flexlake.tenant_config.schema import SOURCE_SYSTEMS, TIER_SCHEDULES
from flexlake.tenant_config.warehouse_schema import IDENTIFIER_PATTERN

Ask = Callable[[str], str]


class MissingAnswer(ValueError):
    """A required flag was not given and there is no terminal to ask on."""


def answers_from_flags(args: argparse.Namespace, ask: Ask | None) -> TenantAnswers:
    """The answers the flags give, the rest asked through `ask` (None: no terminal, so an error)."""
    if not re.fullmatch(IDENTIFIER_PATTERN, args.tenant_id):  # checked before it becomes a file name
        raise MissingAnswer(f"tenant id {shown(args.tenant_id)} {PATTERN_EXPLANATIONS[IDENTIFIER_PATTERN]}")
    tier = args.tier or _required(ask, "--tier", f"tier ({' | '.join(TIER_SCHEDULES)})")
    warehouse: str = args.warehouse
    connection_id = database = None
    if warehouse != "duckdb":
        connection_id = args.connection_id or _required(
            ask, "--connection-id", f"Airflow connection id of the {warehouse} warehouse"
        )
        database = args.database or _required(ask, "--database", f"{warehouse} database of the tenant's schemas")
    return TenantAnswers(
        tenant_id=args.tenant_id,
        tier=tier,
        warehouse=warehouse,
        sources=_sources(args, ask),
        connection_id=connection_id,
        database=database,
        airbyte_connection_id=args.airbyte_connection_id,
        overlay=args.overlay,
        display_name=args.display_name,
    )


def _sources(args: argparse.Namespace, ask: Ask | None) -> tuple[SourceAnswer, ...]:
    specs: list[str] = args.source or ["faker"]
    shops = list(args.shop or [])
    accounts = list(args.stripe_account or [])
    start_date: date | None = args.start_date
    sources = []
    for spec in specs:
        system, _, name = spec.partition(":")
        if system not in SOURCE_SYSTEMS:
            raise MissingAnswer(f"--source {spec}: unknown system {system!r}; use one of {', '.join(SOURCE_SYSTEMS)}")
        name = name or system
        shop = account = None
        if system == "shopify":
            shop = shops.pop(0) if shops else _required(ask, "--shop", f"Shopify store of source {name} (<shop>)")
        if system == "stripe":
            account = accounts.pop(0) if accounts else _required(ask, "--stripe-account", f"acct_... of {name}")
        if system in AIRBYTE_ONLY_SYSTEMS and start_date is None:
            start_date = _date(_required(ask, "--start-date", "sync records from (YYYY-MM-DD)"))
        sources.append(SourceAnswer(system, name, shop=shop, account_id=account, start_date=start_date))
    return tuple(sources)


def _required(ask: Ask | None, flag: str, what: str) -> str:
    if ask is None:
        raise MissingAnswer(f"{flag} is required ({what}); stdin is not a terminal, so new-tenant does not prompt")
    answer = ask(f"{what}: ").strip()
    if not answer:
        raise MissingAnswer(f"{flag}: no answer given ({what})")
    return answer


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MissingAnswer(f"--start-date: {text!r} is not a date; use YYYY-MM-DD") from None
