"""`transferlings serve`: the real app in a real browser (Debian's Chromium driven by
Selenium), through the real server; and what the server refuses.

The browser tests skip where Chromium is missing (a developer's machine), and fail under
CI (.ci/run installs it, so a missing browser there is a broken set-up, not a skip)."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from serve_browser import (alive, chromium, descendants, foreign_resources, missing_browser, press, served,
                           wait_for_gone, wait_for_text, wait_gone)

WHY_NOT = missing_browser()
if WHY_NOT and os.environ.get("CI"):
    raise RuntimeError(f"CI: {WHY_NOT}")
needs_browser = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


def server_env() -> dict:
    return dict(os.environ, TRANSFERLINGS_LANG="en")  # TRANSFERLINGS_HOME: the test's own (conftest)


def test_the_page_needs_no_other_site_and_other_sites_cannot_drive_the_app(tmp_path):
    import aiohttp

    async def check(url: str) -> None:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as page:
                assert page.status == 200
                html = await page.text()
            assert "https://" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
            assert 'data-session-websocket-url="ws://127.0.0.1:' in html
            # a page of another site opening the app's WebSocket
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(url + "ws", headers={"Origin": "http://evil.example"})
            assert refused.value.status == 403
            # DNS rebinding: another site's name pointed at 127.0.0.1
            for path in ("", "ws", "static/js/textual.js"):
                async with session.get(url + path, headers={"Host": "evil.example:80"}) as answer:
                    assert answer.status == 403, path

    with served(env=server_env()) as (url, proc):
        asyncio.run(check(url))
        assert descendants(proc.pid) == []  # nothing refused started an app


@needs_browser
def test_the_app_in_a_browser_takes_keys_and_ends_with_ctrl_c(tmp_path):
    with served(env=server_env()) as (url, proc), chromium() as driver:
        driver.get(url)
        home = wait_for_text(driver, "Continue: Question 1", timeout=60)
        assert "Your exercise files:" in home
        if os.environ.get("SHOT_DIR"):  # the README's picture
            driver.save_screenshot(os.path.join(os.environ["SHOT_DIR"], "serve.png"))
        press(driver, "?")
        wait_for_text(driver, "Pick a question")  # the help dialog
        from selenium.webdriver.common.keys import Keys

        press(driver, Keys.ESCAPE)
        wait_for_gone(driver, "Pick a question")
        press(driver, "l")
        wait_for_text(driver, "继续")  # the app in Chinese
        assert foreign_resources(driver) == []
        sessions = descendants(proc.pid)
        assert sessions, "no app process was started for the tab"
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)  # Ctrl+C with the tab open
        proc.wait(15)
        took = time.monotonic() - started
        assert wait_gone(sessions, 5) == [], "the app or its grading worker outlived the server"
        assert took < 5, f"the server took {took:.1f} s to stop with a tab open"


@needs_browser
def test_options_carry_over_files_are_edited_in_the_page_and_the_app_ends_with_the_server(tmp_path):
    from selenium.webdriver.common.keys import Keys

    from quiz.storage import workspace

    folder = tmp_path / "my exercises"  # a space: the command line is quoted for the shell
    workspace.init(folder, remember=False)
    env = dict(server_env(), EDITOR="vi")  # invisible in a browser: the app must edit in-app
    with served("--lang", "zh", "--workspace", str(folder), env=env) as (url, proc), chromium() as driver:
        driver.get(url)
        home = wait_for_text(driver, "继续", timeout=60)
        assert "my exercises" in home  # 你的练习文件：…/my exercises
        press(driver, Keys.ENTER)  # continue: question 1
        wait_for_gone(driver, "继续")
        press(driver, Keys.ESCAPE)  # out of the answer box, where o would be text
        wait_for_text(driver, "o 编程练习")  # the footer: the page has the keys now
        press(driver, "o")  # its exercises: freezing, heads
        wait_for_text(driver, "heads")
        press(driver, Keys.ENTER)
        wait_for_text(driver, "freezing.py")
        press(driver, "e")
        wait_for_text(driver, "编辑 freezing.py")
        press(driver, "# typed in a browser", Keys.ENTER)
        typed = wait_for_text(driver, "# typed in a browser")
        press(driver, Keys.CONTROL, "s")
        end = time.monotonic() + 10
        while not (folder / "freezing.py").read_text().startswith("# typed") and time.monotonic() < end:
            time.sleep(0.05)
        assert (folder / "freezing.py").read_text().startswith("# typed in a browser\n\"\"\"Freeze"), typed
        app = descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)  # no chance to clean up: the app must notice alone
        proc.wait()
        assert wait_gone(app, 5) == [], [p for p in app if alive(p)]
