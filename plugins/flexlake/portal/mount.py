"""The portal as the API server mounts it: an ASGI app that imports the real one on its first request.

Airflow imports every plugin module in the scheduler, the dag-processor and each task (for macros, timetables,
listeners), not only in the API server. Importing the FastAPI app pulls in Airflow's API security stack (seconds of
import); this wrapper costs nothing until a request reaches /flexlake, which only happens in the API server.
"""

from typing import Any

PORTAL_URL_PREFIX = "/flexlake"


class LazyPortalApp:
    """ASGI app delegating to flexlake.portal.app.app, imported on the first request."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        from flexlake.portal.app import app  # noqa: PLC0415 - see the module docstring

        await app(scope, receive, send)
