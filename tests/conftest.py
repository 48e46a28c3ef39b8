"""Session-wide rules of the test suite.

The browser tests (tests/test_app_browser.py) skip when Debian's chromium, solara or
Playwright is missing. A skip among hundreds of dots is easy to miss, and the README's test
command would then pass without ever loading the app in a browser. So when the browser tests
were collected and any of them was skipped, the session ends with a banner naming why and
how to install chromium, and exits 1 (tests failed) — unless ``CITYSAFE_SKIP_BROWSER=1`` says
the skip is meant. A session that does not select the browser tests (``pytest tests/x.py``,
``-k`` or ``-m`` expressions) only prints the banner.
"""

from __future__ import annotations

import os

import pytest

BROWSER_TESTS = "test_app_browser.py"
"""The file of the browser tests, whose skips are reported loudly."""
SKIP_BROWSER_ENV = "CITYSAFE_SKIP_BROWSER"
"""Set to 1 to accept that the browser tests do not run (exit status unchanged)."""
INSTALL_HINT = "install it with: apt-get install chromium (Debian's; never `playwright install`)"

_browser_skips: list[str] = []
"""Why the browser tests of this session were skipped (emptied when a session starts)."""


def pytest_sessionstart(session: pytest.Session) -> None:
    _browser_skips.clear()


def _is_browser_test(nodeid: str) -> bool:
    return nodeid.split("::", 1)[0].endswith(BROWSER_TESTS)


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    """A skip report's reason (its longrepr is (path, line, 'Skipped: reason'))."""
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return text.removeprefix("Skipped: ")


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A module-level skip of the browser tests (chromium, solara or Playwright missing)."""
    if report.skipped and _is_browser_test(report.nodeid):
        _browser_skips.append(_reason(report))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A browser test skipped when it runs."""
    if report.skipped and _is_browser_test(report.nodeid) and report.when == "setup":
        _browser_skips.append(_reason(report))


def _selection_narrowed(config: pytest.Config) -> bool:
    """Whether ``-k`` or ``-m`` may have deselected the browser tests anyway."""
    return bool(config.getoption("keyword", "") or config.getoption("markexpr", ""))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Turn a passing session whose browser tests were skipped into a failing one."""
    if not _browser_skips or os.environ.get(SKIP_BROWSER_ENV) == "1":
        return
    if _selection_narrowed(session.config):
        return
    if exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """The banner: why the browser tests did not run, and how to make them run."""
    if not _browser_skips:
        return
    reasons = "; ".join(dict.fromkeys(_browser_skips))
    accepted = os.environ.get(SKIP_BROWSER_ENV) == "1"
    if accepted:
        verdict = f"accepted ({SKIP_BROWSER_ENV}=1)"
    elif _selection_narrowed(config):
        verdict = "not counted as a failure: -k/-m narrowed the selection"
    else:
        verdict = f"the session fails; set {SKIP_BROWSER_ENV}=1 to accept it"
    terminalreporter.section("browser tests NOT run", sep="!", red=not accepted, bold=True)
    terminalreporter.line(f"browser tests NOT run: {reasons}", red=not accepted, bold=True)
    terminalreporter.line(f"{INSTALL_HINT}; {verdict}")
