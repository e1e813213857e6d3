"""API: the platform-compatible video REST API, mounted beside Gradio.

    from api import ApiConfig, mount
    mount(fastapi_app, queue, keys, ApiConfig(engine="tiny"))

adds POST /api/paas/v4/videos/generations, GET /api/paas/v4/async-result/{id} and the
result file routes (see api/routes.py; api/README.md documents the HTTP contract).
`python app.py api` serves the API alone; `python app.py keys create|list|revoke` manages
keys. Importing this package stays light: FastAPI loads when `mount` is called.
"""

from __future__ import annotations

from api.config import ApiConfig


def mount(app, queue, keys, config: ApiConfig = ApiConfig(), rules=None):
    """Add the video API's routes to a FastAPI app; returns the routes' VideoApi."""
    from api.routes import mount as mount_routes

    return mount_routes(app, queue, keys, config, rules)


__all__ = ["ApiConfig", "mount"]
