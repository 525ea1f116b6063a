"""End-to-end tests: Playwright drives Debian's chromium (never a downloaded browser)
against the live test server. Screenshots go to artifacts/e2e/, which CI keeps."""

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
)
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser():
    """One browser per test. Playwright's sync API runs an event loop in this
    thread while the browser lives, and Django's connections are context-local
    under a running loop: a browser that outlived one test would make the next
    test's database set-up and flush see another connection. So the loop lives
    only inside the test body, after the database is ready and before its flush.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    assert Path(CHROMIUM).exists(), (
        f"Debian's chromium is needed at {CHROMIUM}: `make browser` installs it"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(phone_page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        phone_page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo_site(transactional_db):
    """The demo site, in the database the live server serves. Tests using it are
    marked serialized_rollback, which restores what migrations made (Wagtail's
    root page, the position catalogue) after each test's flush."""
    from cms.demo import demo_home_page_load
    from courses.demo import demo_people_load

    demo_people_load()
    demo_home_page_load()


@pytest.fixture
def demo_site_with_content(demo_site, django_capture_on_commit_callbacks):
    """The demo site with the course catalogue and the textbook, search-indexed."""
    from cms.models import HomePage
    from courses.demo import demo_content_load

    with django_capture_on_commit_callbacks(execute=True):
        return demo_content_load(home=HomePage.objects.get())
