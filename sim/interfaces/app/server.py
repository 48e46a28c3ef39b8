"""Start the solara server (uvicorn) for ``citysafe app`` in this process.

Solara serves the page module named by ``SOLARA_APP``; the scenario and the trainer token go
through the environment (:mod:`sim.interfaces.app.settings`). Telemetry is switched off and the
front-end
assets come from the ``solara-assets`` package, so the app works on a closed network.
"""

from __future__ import annotations

import os
import socket

from sim.core.cli_input import Bound
from sim.interfaces.app.settings import AppSettings

PAGE_MODULE = "sim.interfaces.app.page"
DEFAULT_HOST = "127.0.0.1"
SHARE_HOST = "0.0.0.0"
DEFAULT_PORT = 8765
PORT = Bound(1, 65_535, integer=True, source="a TCP port")
"""What ``--port`` accepts: TCP ports are 16-bit (RFC 793); 0 would let the system pick one,
and the link printed for the trainer would be wrong."""


ALL_INTERFACES = ("0.0.0.0", "::")
"""Bind addresses meaning every interface of the machine: no browser can use them in a link."""
PROBE_ADDRESS = ("192.0.2.1", 9)
"""Where :func:`lan_address` points a UDP socket to learn the outgoing interface: TEST-NET-1,
an address reserved for documentation and never routed on the Internet (RFC 5737), port 9
(discard). Connecting a UDP socket sends no packet; the system only chooses a route."""


def lan_address() -> str | None:
    """This machine's IPv4 address on the local network, as other machines reach it, or None
    when it has none (no network, or only loopback).

    The address of the interface the system routes outgoing traffic through (a UDP socket
    connected to :data:`PROBE_ADDRESS`; nothing is sent), else the address the host name
    resolves to; loopback addresses (127.0.0.0/8) are never returned.
    """
    candidates = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(PROBE_ADDRESS)
            candidates.append(probe.getsockname()[0])
    except OSError:  # no route: an isolated machine
        pass
    try:
        candidates.append(socket.gethostbyname(socket.gethostname()))
    except OSError:
        pass
    for address in candidates:
        if address and not address.startswith("127.") and address not in ALL_INTERFACES:
            return address
    return None


def _url(host: str, port: int, token: str | None = None) -> str:
    """``http://host:port/`` (IPv6 literals in brackets, RFC 3986 §3.2.2), with the token."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def startup_lines(
    scenario_name: str, bind: str, port: int, token: str | None, lan: str | None
) -> list[str]:
    """What ``citysafe app`` prints when it starts: where to open the exercise.

    Args:
        scenario_name: the scenario's name.
        bind: the address the server listens on (``127.0.0.1``, ``0.0.0.0``, a given host).
        port: its TCP port.
        token: the trainer token (``--share``), or None (local mode: the browser is the
            trainer).
        lan: this machine's local-network address (:func:`lan_address`), used when the server
            listens on every interface; None when it has none.

    Returns:
        Lines: with a token, the viewer link (no token: read-only) and the trainer link on
        the address other machines use, the token, and the link on this machine.
    """
    if token is None:
        return [
            f"citysafe app: {scenario_name} at {_url(bind, port)}",
            "local mode: this browser is the trainer (use --share to serve others)",
        ]
    everywhere = bind in ALL_INTERFACES
    host = (lan or "ADDRESS") if everywhere else bind
    lines = [
        f"citysafe app: {scenario_name}, shared"
        + (f" on the local network (all interfaces, port {port})" if everywhere else ""),
        f"viewer link (for the room, read-only): {_url(host, port)}",
        f"trainer link (keep it to yourself): {_url(host, port, token)}",
        f"trainer token: {token}  (others see the exercise read-only)",
    ]
    if everywhere:
        lines.append(f"on this machine: {_url('127.0.0.1', port, token)}")
        if lan is None:
            lines.append(
                "no local-network address found for this machine: put its IP address (ip addr, "
                "ipconfig) in place of ADDRESS, and check that other machines can reach it"
            )
    return lines


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
