"""What ``citysafe app --share`` prints (issue 17, deliverable 3): the machine's address on the
local network (not 127.0.0.1, where the server listens on all interfaces) and the viewer and
trainer links; the address lookup is mocked.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

pytest.importorskip("solara")  # the `app` extra

from sim.interfaces.app import server  # noqa: E402
from sim.interfaces.cli.main import app as cli  # noqa: E402

EXAMPLE = "scenarios/example-city/typhoon.yaml"


# ---------------------------------------------------------------------------- --share
def test_share_prints_the_lan_address_and_both_links():
    lines = server.startup_lines("drill", "0.0.0.0", 8765, "TOK", "192.168.1.23")
    text = "\n".join(lines)
    assert "viewer link (for the room, read-only): http://192.168.1.23:8765/\n" in text
    assert "trainer link (keep it to yourself): http://192.168.1.23:8765/?token=TOK" in text
    assert "trainer token: TOK" in text
    assert [ln for ln in lines if "127.0.0.1" in ln] == [
        "on this machine: http://127.0.0.1:8765/?token=TOK"
    ]
    assert "0.0.0.0" not in text.replace("all interfaces", "")


def test_share_without_a_lan_address_says_so_and_a_given_host_is_used():
    lines = server.startup_lines("drill", "0.0.0.0", 8765, "TOK", None)
    assert "viewer link (for the room, read-only): http://ADDRESS:8765/" in lines
    assert any("no local-network address found" in ln for ln in lines)
    given = server.startup_lines("drill", "10.0.0.5", 9000, "TOK", None)
    assert "viewer link (for the room, read-only): http://10.0.0.5:9000/" in given
    assert "[::1]" in server.startup_lines("drill", "::1", 80, "T", None)[1]
    local = server.startup_lines("drill", "127.0.0.1", 8765, None, None)
    assert local[0] == "citysafe app: drill at http://127.0.0.1:8765/"


def test_lan_address_is_the_routed_interface_never_loopback(monkeypatch):
    class Probe:
        def __init__(self, address):
            self.address = address

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def connect(self, where):
            assert where == server.PROBE_ADDRESS
            if self.address is None:
                raise OSError("network is unreachable")

        def getsockname(self):
            return (self.address, 40000)

    monkeypatch.setattr(server.socket, "socket", lambda *a: Probe("10.1.2.3"))
    assert server.lan_address() == "10.1.2.3"
    monkeypatch.setattr(server.socket, "socket", lambda *a: Probe(None))
    monkeypatch.setattr(server.socket, "gethostbyname", lambda name: "127.0.1.1")
    assert server.lan_address() is None  # Debian's host name resolves to loopback
    monkeypatch.setattr(server.socket, "gethostbyname", lambda name: "192.168.0.7")
    assert server.lan_address() == "192.168.0.7"


def test_app_share_command_prints_the_lan_links(monkeypatch, tmp_path):
    import sim.interfaces.cli.app as app_cli

    served = []
    monkeypatch.setattr(app_cli, "lan_address", lambda: "192.168.1.23")
    monkeypatch.setattr(app_cli, "serve", lambda settings, bind, port: served.append((bind, port)))
    result = CliRunner().invoke(
        cli, ["app", EXAMPLE, "--share", "--journal-dir", str(tmp_path / "j")]
    )
    assert result.exit_code == 0, result.output
    assert served == [("0.0.0.0", 8765)]
    token = re.search(r"trainer token: (\S+)", result.output).group(1)
    assert "viewer link (for the room, read-only): http://192.168.1.23:8765/\n" in result.output
    assert f"trainer link (keep it to yourself): http://192.168.1.23:8765/?token={token}" in (
        result.output
    )
    assert "http://127.0.0.1:8765/\n" not in result.output  # the old, wrong room link
