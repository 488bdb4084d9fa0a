"""Browser tests: Playwright drives Debian's chromium against pytest-django's live server.

Playwright cannot download browsers here, so it launches `/usr/bin/chromium` itself. Without
that binary every test in this directory is skipped with a message saying so.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make to set up
# data and check effects are safe here (no real async code shares the connection).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    missing = not CHROMIUM.exists()
    if missing and os.environ.get("CI"):
        # CI installs chromium (.ci/run); a silent skip there would hide the browser tests.
        raise pytest.UsageError(f"CI needs Debian's chromium at {CHROMIUM} for the browser tests")
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=f"browser tests need Debian's chromium at {CHROMIUM}"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--headless",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A tablet in a van: the size most pages are designed for.
    return {**browser_context_args, "viewport": {"width": 1024, "height": 768}, "locale": "en-ZA"}


@pytest.fixture
def page(page):
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def url(live_server):
    """url("/patients/") -> the live server's absolute address for that path."""
    return lambda path: f"{live_server.url}{path}"


@pytest.fixture
def log_in(page, url):
    """Log a user in through the real login form."""
    from accounts.tests.factories import DEFAULT_TEST_PASSWORD

    def do(user, *, next_path: str = "/"):
        page.goto(url(f"/login/?next={next_path}"))
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(DEFAULT_TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

    return do


@pytest.fixture
def screenshot(page):
    """screenshot("patient-page") saves docs/screenshots/patient-page.png (viewport only, to keep it small)."""

    def shoot(name: str, *, target=None):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (target or page).screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)

    return shoot
