"""Start the solara server (uvicorn) for ``citysafe app`` in this process.

Solara serves the page module named by ``SOLARA_APP``; the scenario and the trainer token go
through the environment (:mod:`sim.interfaces.app.settings`). Telemetry is switched off and the
front-end
assets come from the ``solara-assets`` package, so the app works on a closed network.
"""

from __future__ import annotations

import os

from sim.core.cli_input import Bound
from sim.interfaces.app.settings import AppSettings

PAGE_MODULE = "sim.interfaces.app.page"
DEFAULT_HOST = "127.0.0.1"
SHARE_HOST = "0.0.0.0"
DEFAULT_PORT = 8765
PORT = Bound(1, 65_535, integer=True, source="a TCP port")
"""What ``--port`` accepts: TCP ports are 16-bit (RFC 793); 0 would let the system pick one,
and the link printed for the trainer would be wrong."""


def server_environment(settings: AppSettings, host: str, port: int) -> dict[str, str]:
    """Environment the solara server needs (page module, settings, no telemetry)."""
    return {
        **settings.to_env(),
        "SOLARA_APP": PAGE_MODULE,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_THEME_SHOW_BANNER": "False",
    }


def serve(settings: AppSettings, host: str, port: int, log_level: str = "warning") -> None:
    """Run the server until interrupted (blocking)."""
    os.environ.update(server_environment(settings, host, port))
    # uvicorn (extra "app"): only when serving the app
    import uvicorn

    uvicorn.run(
        "solara.server.starlette:app",
        host=host,
        port=port,
        log_level=log_level,
        ws_max_size=64 * 1024 * 1024,  # journal uploads
    )
