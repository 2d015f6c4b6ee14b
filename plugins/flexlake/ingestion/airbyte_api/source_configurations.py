"""Source configurations as the server sent them, because airbyte-api 1.0.1 cannot parse them.

The SDK reads a source's `configuration` into a union of ~500 connector models without a discriminator
(airbytehq/airbyte-api-python-sdk#114, #54): it returns whichever model happens to fit (a Shopify source
comes back as `SourceWhiskyHunter`), or fails outright when a nested discriminated field of another model
does not match (Shopify's `credentials`: "Could not find discriminator field auth_type"). Destinations
carry `destinationType` as a discriminator and parse correctly, so only sources need this.

`SourceConfigurationStash` is an SDK after-success hook: before the SDK parses a source response it keeps
each `configuration` by source id and hands the SDK an empty one (which parses). Callers read the real
one with `configuration(source_id)`. Secrets in it are masked by the server, as always.
"""

import json
from typing import Any

import httpx
from airbyte_api._hooks.types import AfterSuccessContext, AfterSuccessHook

SOURCE_OPERATIONS = frozenset({"createSource", "getSource", "listSources", "patchSource", "putSource"})


class SourceConfigurationStash(AfterSuccessHook):
    def __init__(self) -> None:
        self._by_source_id: dict[str, dict[str, Any]] = {}

    def configuration(self, source_id: str) -> dict[str, Any]:
        """The configuration the server last returned for this source ({} if none was seen)."""
        return self._by_source_id.get(source_id, {})

    def after_success(self, hook_ctx: AfterSuccessContext, response: httpx.Response) -> httpx.Response:
        if hook_ctx.operation_id not in SOURCE_OPERATIONS:
            return response
        try:
            payload = response.json()
        except ValueError:
            return response
        items = payload.get("data") if isinstance(payload, dict) and "data" in payload else [payload]
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("configuration"), dict) and "sourceId" in item:
                self._by_source_id[str(item["sourceId"])] = item["configuration"]
                item["configuration"] = {}
        headers = {key: value for key, value in response.headers.items() if key.lower() != "content-length"}
        return httpx.Response(
            response.status_code, headers=headers, content=json.dumps(payload).encode(), request=response.request
        )
