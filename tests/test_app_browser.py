"""The exercise web app in a real browser (Playwright + Debian's chromium).

One `citysafe app --share` server on a free loopback port serves a coarse 16-hour Lekima
scenario as one shared exercise (the tests use it in file order). The trainer (token in the
URL) steps, injects a road collapse, sees the outcomes change, downloads the journal and
replays it to the same outcome values; a second browser context without the token watches
the same exercise read-only, and the server refuses its inject even when the disabled button
is re-enabled in the page; Play shows frame after frame and Pause stops the clock; the room's
page has a map as wide as the screen with the district names and legends, a timeline that
shows a warning once it is issued, a "to next event" step that stops at it, and charts that
show values with units on hover. Full-page screenshots are saved in tests/artifacts/ (their
paths are printed: ``pytest -s``). Skipped only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True)
pytest.importorskip("solara")
sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCENARIO = "scenarios/shanghai/lekima-2019.yaml"
COARSE = [
    "-p", "networks.resolution=0.05",
    "-p", "time.start_utc=2019-08-09T16:00:00Z",
    "-p", "time.duration_h=16",
]  # fmt: skip
STEP = "step by (each click, each play frame)"
"""Label of the step choice (sim.interfaces.app.page.STEP_CHOICES)."""
LOAD_MS = 90_000  # first page of a session: model build on a shared 2-core machine
ACT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base URL, trainer token) of a running `citysafe app --share` on loopback."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    journal_dir = tmp_path_factory.mktemp("journals")
    cmd = [sys.executable, "-m", "sim.interfaces.cli.main", "app", SCENARIO, *COARSE, "--share",
           "--host", "127.0.0.1", "--port", str(port),
           "--journal-dir", str(journal_dir)]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    token, deadline, seen = None, time.monotonic() + 120, []
    while token is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        m = re.match(r"trainer token: (\S+)", line)
        token = m.group(1) if m else None
    while time.monotonic() < deadline:  # wait for the port
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    if token is None or proc.poll() is not None:
        proc.kill()
        pytest.fail("app server did not start:\n" + "".join(seen))
    yield f"http://127.0.0.1:{port}/", token
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, url: str, width: int = 1400):
    ctx = browser.new_context(viewport={"width": width, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(ACT_MS)
    page.goto(url)
    page.locator("#clock-t").wait_for(timeout=LOAD_MS)
    return ctx, page


def _clock(page) -> str:
    return page.locator("#clock-t").inner_text()


def _wait_clock(page, hours: str) -> None:
    page.wait_for_function(
        f"document.querySelector('#clock-t') && "
        f"document.querySelector('#clock-t').innerText == '{hours}'",
        timeout=ACT_MS,
    )


def _outcomes(page) -> dict[str, str]:
    return page.locator("#outcomes").evaluate(
        "t => Object.fromEntries([...t.querySelectorAll('td')].map(td => [td.id, td.innerText]))"
    )


def _pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the (Vuetify) select labelled ``label``."""
    exact = re.compile(f"^{re.escape(label)}$")
    select = page.locator(".v-select").filter(has=page.locator("label", has_text=exact))
    select.locator(".v-input__slot").click()
    page.locator(".menuable__content__active").get_by_role("option", name=option).click()


def _message(page, pattern: str) -> str:
    loc = page.locator(".app-message").filter(has_text=re.compile(pattern))
    loc.first.wait_for(timeout=ACT_MS)
    return loc.first.inner_text()


def _save(page, name: str) -> Path:
    """A screenshot of the whole page in tests/artifacts/ (solara scrolls an inner element,
    so the viewport is first made as tall as the content); its path is printed."""
    tall = page.evaluate(
        "Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": page.viewport_size["width"], "height": int(tall) + 40})
    page.wait_for_timeout(1000)  # charts resize to the new viewport
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    return shot


def _step(page, hours: str) -> None:
    """Click Step and wait until both the clock and the outcomes table show the new hour (the
    table is drawn after the clock: reading it at once could see the previous hour's values)."""
    before = float(_clock(page))
    page.get_by_role("button", name="Step", exact=True).click()
    target = f"{before + float(hours):g}"
    _wait_clock(page, target)
    page.wait_for_function(
        f"document.querySelector('#v-t_h') && "
        f"document.querySelector('#v-t_h').innerText == '{target} h'",
        timeout=ACT_MS,
    )


def test_trainer_steps_injects_and_replays_the_journal(server, browser):
    base, token = server
    ctx, page = _open(browser, f"{base}?token={token}")
    assert "trainer" in page.locator(".v-toolbar").inner_text().lower()
    _pick(page, STEP, "3 h")
    _step(page, "3")
    before = _outcomes(page)
    assert before["v-t_h"] == "3 h"

    # a malformed inject is reported in the page; the session goes on
    page.get_by_label(re.compile("or type an inject")).fill("{type: road_collapse, district: X}")
    page.get_by_role("button", name="Inject YAML", exact=True).click()
    assert "unknown district 'X'" in _message(page, "unknown district")

    _pick(page, "inject", "road_collapse")
    page.get_by_label("count", exact=True).fill("6")
    page.locator(".inject-button").click()
    _message(page, "road_collapse applied")
    after = _outcomes(page)
    assert after["v-functionality_roads"] != before["v-functionality_roads"]
    page.get_by_text("1 inject(s) in the journal").wait_for()

    _step(page, "3")
    live = _outcomes(page)
    with page.expect_download() as dl:
        page.get_by_text("Download journal").click()
    journal = Path(dl.value.path()).read_text()
    assert "road_collapse" in journal and "count: 6" in journal

    page.get_by_label("journal to load (paste YAML)").fill(journal)
    page.get_by_role("button", name="Load journal", exact=True).click()
    _message(page, "loaded 1 inject")
    _wait_clock(page, "0")
    _step(page, "3")
    _step(page, "3")
    assert _outcomes(page) == live  # the replay reaches the same values
    _save(page, "app-trainer.png")
    ctx.close()


def test_viewer_without_token_is_read_only_and_server_refuses(server, browser):
    base, _ = server
    ctx, page = _open(browser, base)
    assert "viewer" in page.locator(".v-toolbar").inner_text().lower()
    inject = page.locator(".inject-button")
    assert inject.is_disabled()
    assert page.get_by_role("button", name="Reset", exact=True).is_disabled()
    count = page.get_by_text(re.compile(r"^\d+ inject\(s\) in the journal$")).inner_text()
    # re-enable the button in the browser: the server must still refuse
    inject.evaluate("b => { b.removeAttribute('disabled'); b.classList.remove('v-btn--disabled') }")
    inject.click()
    assert "read-only session" in _message(page, "read-only session")
    page.get_by_text(count, exact=True).wait_for()  # the shared journal is unchanged
    # a wrong token typed in the page keeps it read-only
    page.get_by_label("trainer token").fill("not-the-token")
    page.get_by_role("button", name="Use token", exact=True).click()
    time.sleep(1.0)
    assert page.locator(".inject-button").is_disabled()
    # the viewer watches the trainer's exercise (one shared model), but cannot move its clock
    assert page.get_by_role("button", name="Step", exact=True).is_disabled()
    assert page.get_by_role("button", name="Play", exact=True).is_disabled()
    tctx, trainer = _open(browser, f"{base}?token={server[1]}")
    assert _clock(trainer) == _clock(page)
    _pick(trainer, STEP, "1 h")
    _step(trainer, "1")
    _wait_clock(page, _clock(trainer))  # the viewer's page follows within its poll period
    ctx.close()
    tctx.close()


def test_play_advances_the_clock_frame_by_frame_and_pause_stops_it(server, browser):
    base, token = server
    ctx, page = _open(browser, f"{base}?token={token}")
    page.get_by_role("button", name="Reset", exact=True).click()  # the exercise is shared
    _wait_clock(page, "0")
    _pick(page, STEP, "1 h")  # 1 h per frame
    page.get_by_role("button", name="Play", exact=True).click()
    # the page shows intermediate frames (not only the horizon)
    page.wait_for_function(
        "Number(document.querySelector('#clock-t').innerText) >= 1", timeout=ACT_MS
    )
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    paused_at = float(_clock(page))
    assert 1 <= paused_at < 16
    time.sleep(3)  # several frame periods: a paused clock stays where it is
    assert float(_clock(page)) == paused_at
    ctx.close()


def test_room_page_map_timeline_next_event_step_and_charts(server, browser):
    base, token = server
    ctx, page = _open(browser, f"{base}?token={token}", width=1600)
    page.get_by_role("button", name="Reset", exact=True).click()  # the exercise is shared
    _wait_clock(page, "0")
    choice = page.locator(".v-select").filter(has=page.locator("label", has_text=STEP))
    assert choice.locator(".v-select__selection").inner_text() == "6 h"  # the default step

    # the map: as wide as a projector's page, every district named, legends for all it shows
    svg = page.locator(".map-svg svg")
    svg.wait_for()
    assert svg.bounding_box()["width"] >= 900
    texts = set(svg.locator("text").all_text_contents())
    districts = pd.read_csv(ROOT / "scenarios/data/shanghai/districts.csv")["name_en"]
    keyed = {re.sub(r"^\d+\s+", "", t) for t in texts if re.match(r"^\d+\s+\S", t)}
    assert set(districts) <= texts | keyed  # small central districts: numbered, with a key
    assert keyed  # Shanghai's seven central districts are numbered
    assert {"Alert level in force", "no warning", "blue", "yellow", "orange", "red"} <= texts
    assert any(re.fullmatch(r"roads closed: \d+", t) for t in texts)  # the failure markers

    # the timeline: the typhoon's orange (issued before the start) is in force; the rainstorm
    # orange of 10 Aug 06:20 UTC (14.33 h) is not shown before it is issued
    timeline = page.locator("#timeline")
    typhoon = timeline.locator('[data-hazard="typhoon"] .tl-span[data-level="orange"]')
    assert typhoon.count() == 1
    rain = timeline.locator('[data-hazard="rainstorm"] .tl-span[data-level="orange"]')
    assert rain.count() == 0
    _pick(page, STEP, "to next event")
    page.get_by_role("button", name="Step", exact=True).click()
    _wait_clock(page, "15")  # the whole hour after the warning
    rain.wait_for()
    assert "Rainstorm warning: orange from 14.3333 h" in rain.get_attribute("title")

    # the charts: hovering shows the values at an hour, with their units
    chart = page.locator(".chart-4")
    canvas = chart.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    canvas.hover(position={"x": 0.6 * box["width"], "y": 0.6 * box["height"]})
    chart.get_by_text("People relocated now (persons)").wait_for()  # the tooltip
    assert re.search(r"\d+ h\s", chart.inner_text())  # its hour
    page.get_by_text("People relocated so far (persons)").wait_for()  # outcome labels
    _save(page, "app-room.png")
    ctx.close()
