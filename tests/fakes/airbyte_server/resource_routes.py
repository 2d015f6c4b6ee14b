"""Routes of the resources a client configures: workspaces, tags, sources and destinations, connections.

Each handler answers like the public API v1 and names the airbyte-api model its JSON claims to be (the contract
tests parse it with that model)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.fakes.airbyte_server.models import (
    KNOWN_DESTINATION_TYPES,
    KNOWN_SOURCE_TYPES,
    MASK,
    Handler,
    HttpError,
    RouteSpec,
)
from tests.fakes.airbyte_server.state import ServerState, find
from tests.fakes.airbyte_server.wire import masked, page, query_list, require

Answer = tuple[int, Any, str | None]


class ResourceRoutes:
    """Workspaces, tags, sources, destinations and connections over one state store."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def table(self) -> list[RouteSpec]:
        table: list[RouteSpec] = [
            ("GET", "/workspaces", self._list_workspaces),
            ("POST", "/workspaces", self._create_workspace),
            ("GET", "/workspaces/(?P<id>[^/]+)", self._get_workspace),
            ("GET", "/tags", self._list_tags),
            ("POST", "/tags", self._create_tag),
            ("GET", "/connections", self._list_connections),
            ("POST", "/connections", self._create_connection),
            ("GET", "/connections/(?P<id>[^/]+)", self._get_connection),
            ("PATCH", "/connections/(?P<id>[^/]+)", self._patch_connection),
            ("DELETE", "/connections/(?P<id>[^/]+)", self._delete_connection),
        ]
        for kind in ("sources", "destinations"):
            table += [
                ("GET", f"/{kind}", self._lister(kind)),
                ("POST", f"/{kind}", self._creator(kind)),
                ("GET", f"/{kind}/(?P<id>[^/]+)", self._getter(kind)),
                ("PATCH", f"/{kind}/(?P<id>[^/]+)", self._patcher(kind)),
                ("DELETE", f"/{kind}/(?P<id>[^/]+)", self._deleter(kind)),
            ]
        return table

    # --- workspaces and tags ------------------------------------------------------------------------

    def _list_workspaces(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        items = list(self.state.workspaces.values())
        ids = query_list(request, "workspaceIds")
        if ids:
            items = [item for item in items if item["workspaceId"] in ids]
        return 200, page(request, items, self.state.base_url), "WorkspacesResponse"

    def _create_workspace(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        name = require(body, "name")
        workspace = {"workspaceId": str(uuid.uuid4()), "name": name, "dataResidency": "auto", "notifications": {}}
        self.state.workspaces[workspace["workspaceId"]] = workspace
        return 200, workspace, "WorkspaceResponse"

    def _get_workspace(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        return 200, find(self.state.workspaces, params["id"], "workspace"), "WorkspaceResponse"

    def _list_tags(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        ids = query_list(request, "workspaceIds")
        items = [tag for tag in self.state.tags.values() if not ids or tag["workspaceId"] in ids]
        return 200, {"data": items}, "TagsResponse"

    def _create_tag(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        workspace_id = require(body, "workspaceId")
        find(self.state.workspaces, workspace_id, "workspace")
        tag = {"tagId": str(uuid.uuid4()), "name": require(body, "name"), "color": body.get("color", "75DCFF")}
        tag["workspaceId"] = workspace_id
        self.state.tags[tag["tagId"]] = tag
        return 200, tag, "TagResponse"

    # --- sources and destinations -------------------------------------------------------------------

    def _lister(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
            ids = query_list(request, "workspaceIds")
            actors = self.state.actors(kind).values()
            items = [masked(item) for item in actors if not ids or item["workspaceId"] in ids]
            return 200, page(request, items, self.state.base_url), f"{kind.title()}Response"

        return handler

    def _creator(self, kind: str) -> Handler:
        singular, type_key = kind[:-1], "sourceType" if kind == "sources" else "destinationType"
        known = KNOWN_SOURCE_TYPES if kind == "sources" else KNOWN_DESTINATION_TYPES

        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
            workspace_id = require(body, "workspaceId")
            find(self.state.workspaces, workspace_id, "workspace")
            configuration = require(body, "configuration")
            actor_type = configuration.get(type_key) if isinstance(configuration, dict) else None
            if actor_type not in known:
                raise HttpError(400, "bad-request", f"configuration.{type_key} {actor_type!r} is not a known connector")
            item = {
                f"{singular}Id": str(uuid.uuid4()),
                "name": require(body, "name"),
                type_key: actor_type,
                "workspaceId": workspace_id,
                "definitionId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{actor_type}")),
                "configuration": configuration,
                "createdAt": int(self.state.clock()),
            }
            self.state.actors(kind)[item[f"{singular}Id"]] = item
            return 200, masked(item), f"{singular.title()}Response"

        return handler

    def _getter(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
            item = find(self.state.actors(kind), params["id"], kind[:-1])
            return 200, masked(item), f"{kind[:-1].title()}Response"

        return handler

    def _patcher(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
            item = find(self.state.actors(kind), params["id"], kind[:-1])
            if isinstance(body, dict) and "name" in body:
                item["name"] = body["name"]
            if isinstance(body, dict) and isinstance(body.get("configuration"), dict):
                merged = dict(item["configuration"])
                for key, value in body["configuration"].items():
                    if value != MASK:  # a masked value sent back means "keep the secret"
                        merged[key] = value
                item["configuration"] = merged
            return 200, masked(item), f"{kind[:-1].title()}Response"

        return handler

    def _deleter(self, kind: str) -> Handler:
        def handler(request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
            find(self.state.actors(kind), params["id"], kind[:-1])
            del self.state.actors(kind)[params["id"]]
            return 204, None, None

        return handler

    # --- connections --------------------------------------------------------------------------------

    def _list_connections(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        ids, tag_ids = query_list(request, "workspaceIds"), query_list(request, "tagIds")
        items = [
            item
            for item in self.state.connections.values()
            if (not ids or item["workspaceId"] in ids)
            and (not tag_ids or {tag["tagId"] for tag in item["tags"]} & set(tag_ids))
        ]
        return 200, page(request, items, self.state.base_url), "ConnectionsResponse"

    def _create_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        source = find(self.state.sources, require(body, "sourceId"), "source")
        destination = find(self.state.destinations, require(body, "destinationId"), "destination")
        if source["workspaceId"] != destination["workspaceId"]:
            raise HttpError(400, "bad-request", "source and destination are in different workspaces")
        connection = {
            "connectionId": str(uuid.uuid4()),
            "name": body.get("name") or f"{source['name']} → {destination['name']}",
            "sourceId": source["sourceId"],
            "destinationId": destination["destinationId"],
            "workspaceId": source["workspaceId"],
            "status": body.get("status") or "active",
            "schedule": body.get("schedule") or {"scheduleType": "manual"},
            "configurations": body.get("configurations") or {"streams": []},
            "namespaceDefinition": body.get("namespaceDefinition") or "destination",
            "nonBreakingSchemaUpdatesBehavior": body.get("nonBreakingSchemaUpdatesBehavior") or "ignore",
            "prefix": body.get("prefix") or "",
            "tags": [find(self.state.tags, tag["tagId"], "tag") for tag in body.get("tags") or []],
            "createdAt": int(self.state.clock()),
        }
        self.state.connections[connection["connectionId"]] = connection
        return 200, connection, "ConnectionResponse"

    def _get_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        return 200, find(self.state.connections, params["id"], "connection"), "ConnectionResponse"

    def _patch_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        connection = find(self.state.connections, params["id"], "connection")
        for key in ("name", "schedule", "configurations", "status", "namespaceDefinition", "prefix"):
            if isinstance(body, dict) and body.get(key) is not None:
                connection[key] = body[key]
        if isinstance(body, dict) and body.get("tags") is not None:
            connection["tags"] = [find(self.state.tags, tag["tagId"], "tag") for tag in body["tags"]]
        return 200, connection, "ConnectionResponse"

    def _delete_connection(self, request: httpx.Request, params: dict[str, str], body: Any) -> Answer:
        find(self.state.connections, params["id"], "connection")
        del self.state.connections[params["id"]]
        return 204, None, None
