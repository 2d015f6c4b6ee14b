"""A fake Airbyte server: the public API (v1) endpoints flexlake uses, in-process or on 127.0.0.1.

What it stands for
  The Airbyte public API as served by Airbyte Cloud (`https://api.airbyte.com/v1`) or self-hosted OSS
  (`http://HOST:8000/api/public/v1`), for the calls flexlake makes through the `airbyte-api` 1.0.1 SDK:
  `GET /health`; `POST /applications/token` (JSON or form body, bearer tokens with a short TTL that is
  enforced: an expired token gets 401); workspaces (list/get/create); tags (list/create); sources and
  destinations (create/list/get/patch/delete, secrets masked as `**********` in every response);
  connections (create/list/get/patch/delete, filter by workspace and tag); jobs (create/get/list/cancel).
  List calls paginate with `limit`/`offset` and a `next` URL; errors are `application/problem+json`.
  A sync on a connection that already has a job in progress gets 409.
  Each JSON response names the SDK model it claims to be (`exchanges`), and the contract tests parse
  every one with the SDK's own unmarshalling, so the fake cannot drift from airbyte-api 1.0.1's models
  (tests/unit/ingestion/airbyte_api/test_fake_contract.py).

  Jobs follow a script (`script_next_job`): one status per poll of `GET /jobs/{id}`, the last one sticks
  (so `("queued",)` is a job stuck in the queue). When a job reaches `succeeded` the fake writes
  Destinations-V2-shaped tables (`_airbyte_raw_id`, `_airbyte_extracted_at`, `_airbyte_meta`,
  `_airbyte_generation_id` + the stream's columns) for the connection's streams into the destination:
  a DuckDB file (`destination_path`, `schema`) or a PostgreSQL schema (host, port, database, username,
  password, schema). The rows are faker-like users / products / purchases generated deterministically
  from the source's `count` and `seed` (not byte-identical to source-faker's).

  Fault injection (`inject`): any status (429 with Retry-After, 5xx) on the next N matching requests.
  OSS only: `POST /api/v1/jobs/get` of the internal Config API, the one place Airbyte reports a failed
  job's reason and per-stream stats (its shape is a minimal subset, not validated against any model).

What it does not do
  Run connectors, check connections, discover schemas (a connection's streams are taken as given),
  OAuth flows, permissions/users/organizations, schedules (every connection is driven by its caller),
  incremental state, typing/deduping (final tables): only raw-ish V2 tables in the destination schema.
  Connector configurations are validated only by their `sourceType` / `destinationType` being known.
  Shopify and Stripe sources write the data product's generated streams (tests/generators: the real
  connectors' layouts and awkward cases, two append syncs' worth, seeded by the source's `seed` or else
  its shop / account id) for the connection's configured streams; other systems produce no rows.

Layout (one concern per module)
  models.py              the API's paths and vocabularies; the records it keeps (Job, JobScript, Fault, Exchange)
  state.py               the state store: workspaces, tags, sources, destinations, connections, jobs, tokens
  wire.py                request bodies, query lists, pagination, masked secrets
  resource_routes.py     workspaces, tags, sources and destinations, connections
  job_routes.py          jobs (scripted statuses, 409, cancel, list) and the OSS Config API's job details
  destination_writes.py  the V2 raw tables a succeeded job writes into DuckDB or PostgreSQL
  faker_data.py          the faker-like streams
  app.py                 FakeAirbyteServer: tokens, routing, faults, exchanges, transport() and serve()
"""

from tests.fakes.airbyte_server.app import FakeAirbyteServer
from tests.fakes.airbyte_server.destination_writes import write_v2_tables
from tests.fakes.airbyte_server.faker_data import faker_stream
from tests.fakes.airbyte_server.models import API_ROOT, CONFIG_API_ROOT, MASK, Exchange
from tests.fakes.airbyte_server.wire import url_split

__all__ = [
    "API_ROOT",
    "CONFIG_API_ROOT",
    "MASK",
    "Exchange",
    "FakeAirbyteServer",
    "faker_stream",
    "url_split",
    "write_v2_tables",
]
