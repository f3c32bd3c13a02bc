"""The dashboard in a real browser: Playwright for Python driving Debian's Chromium (no browser
download) against the service on loopback.

An analyst signs in, uploads a scenario (the tiny fixture, zipped) and sees a broken one's
validation errors, starts a plan, watches it finish and the tile map render. An investor
signs in and sees only its own data. Skipped, saying why, without /usr/bin/chromium or
without the playwright package.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_support import PASSWORD, TINY, zip_folder
from stateside.api.app import create_app
from stateside.api.config import ApiConfig

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.is_file(), reason="Debian's chromium is not installed (apt-get install -y chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The service on 127.0.0.1 (uvicorn in a thread), one job worker, users of every role."""
    import uvicorn

    from api_support import make_users
    from stateside.store import db

    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'web.db'}"
    db.engine_for(url)
    make_users(url, check_known=False)  # their investors arrive with the tiny scenario the analyst uploads
    app = create_app(ApiConfig(db_url=url, job_workers=1))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not srv.started:
        assert time.monotonic() - t0 < 30 and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    (tmp / "tiny.zip").write_bytes(zip_folder(TINY))
    broken = {"campuses.csv": (b"camp_nm,New Mexico campus,NM,100,", b"camp_nm,New Mexico campus,NM,lots,")}
    (tmp / "broken.zip").write_bytes(zip_folder(TINY, change=broken))
    yield {"base": f"http://127.0.0.1:{port}", "tmp": tmp, "url": url}
    srv.should_exit = True
    thread.join(15)
    db.dispose_all()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _page(browser: Any, errors: list[str]) -> Any:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def _sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/runs")
    assert "/login" in page.url  # not signed in: sent to the sign-in page
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/runs")
    assert page.text_content("[data-testid=whoami]") == name


def test_analyst_uploads_plans_and_sees_the_map(server: dict[str, Any], browser: Any) -> None:
    base, tmp = server["base"], server["tmp"]
    errors: list[str] = []
    page = _page(browser, errors)
    _sign_in(page, base, "ana")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["stateside_session"]["httpOnly"] and cookies["stateside_session"]["secure"]
    assert cookies["stateside_session"]["sameSite"] == "Lax"

    # a broken scenario: its problems are listed by file, row and column; nothing is stored
    page.goto(f"{base}/scenarios")
    page.set_input_files("#upload-file", str(tmp / "broken.zip"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-problem")
    row = page.locator("#issues tbody tr").first
    assert row.locator("td").all_text_contents()[:4] == ["campuses.csv", "3", "module_it_mw", "a number"]
    assert errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    errors.clear()
    # the tiny scenario uploads and validates
    page.set_input_files("#upload-file", str(tmp / "tiny.zip"))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#upload-ok")
    uploaded = page.locator("#scenarios-table tbody tr").first.get_attribute("data-id")
    assert uploaded and uploaded != "default"

    # start a plan of it, watch the job, land on the run's overview with the map drawn
    page.goto(f"{base}/runs")
    page.select_option("#scenario-select", uploaded)
    page.click("#start-run button[type=submit]")
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{32}$"), timeout=120_000)
    page.wait_for_selector("#fig-map[data-rendered=true]")
    assert page.locator("#fig-map .main-svg").count() >= 1
    tiles = page.locator("#fig-map .heatmaplayer, #fig-map .hm")
    assert tiles.count() >= 1
    assert "TX" in page.text_content("#fig-map")
    page.wait_for_selector("#fig-timeline[data-rendered=true]")
    page.wait_for_selector("#fig-capital[data-rendered=true]")
    kpis = page.text_content("#kpis")
    assert "600 MW" in kpis  # the tiny plan: 600 MW of IT online by 2030
    assert not errors, errors  # no script errors, no Content-Security-Policy violations


def test_investor_sees_only_its_own_data(server: dict[str, Any], browser: Any) -> None:
    from stateside.store.api import list_runs

    base = server["base"]
    runs = list_runs(url=server["url"])
    assert runs, "the analyst's plan should have been saved"
    run_id = runs[0].id
    errors: list[str] = []
    page = _page(browser, errors)
    _sign_in(page, base, "jp")
    assert page.locator("a", has_text="Scenarios").count() == 0
    page.click(f"a[href='/runs/{run_id}/investors/jp_corp']")
    page.wait_for_url(f"{base}/runs/{run_id}/investors/jp_corp")
    page.wait_for_selector("#fig-equity[data-rendered=true]")
    text = page.text_content("main") or ""
    assert "Nippon Strategic" in text and "$990 M" in text
    html = page.content()
    for other in ("us_lab", "Sponsor Lab", "ae_fund", "Gulf Sovereign Fund"):
        assert other not in html
    page.goto(f"{base}/runs/{run_id}")
    page.wait_for_selector("#fig-capital[data-rendered=true]")
    legend = page.text_content("#fig-capital") or ""
    assert "other investors (total)" in legend and "us_lab" not in legend
    for other in ("us_lab", "Sponsor Lab", "ae_fund", "Gulf Sovereign Fund"):
        assert other not in page.content()
    assert not errors, errors
    # another investor's page is refused
    resp = page.goto(f"{base}/runs/{run_id}/investors/us_lab")
    assert resp is not None and resp.status == 403
    assert "sees only investor jp_corp" in (page.text_content("[data-testid=problem-detail]") or "")


def test_state_official_sees_prices_and_the_ratepayer_view(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    """The Texas official's page: prices per period and hour by hour, readable headers; a
    screenshot of the page is taken in headless Chromium and checked."""
    from stateside.store.api import list_runs

    base = server["base"]
    runs = list_runs(url=server["url"])
    assert runs, "the analyst's plan should have been saved"
    run_id = runs[0].id
    errors: list[str] = []
    page = _page(browser, errors)
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, base, "tex")
    page.goto(f"{base}/runs/{run_id}")
    page.wait_for_url(f"{base}/runs/{run_id}/states/TX")
    page.wait_for_selector("#fig-prices[data-rendered=true]")
    prices = page.text_content("#section-prices") or ""
    assert "average wholesale price, USD/MWh" in prices and "of which AI campuses and fabs" in prices
    rows = page.locator("#table-prices tbody tr")
    assert rows.count() == 2  # the tiny scenario's periods 2028 and 2030
    cells = rows.first.locator("td").all_text_contents()
    assert cells[0] == "2028" and float(cells[1].replace(",", "")) > 0
    legend = page.text_content("#fig-prices") or ""
    assert "price (USD/MWh)" in legend and "Texas (TX)" in legend
    main = page.text_content("main") or ""
    assert "capex_datacenter_usd" not in main and "grid_load_mw" not in main  # headers, not column ids
    for other in ("New Mexico (NM)", "Oklahoma (OK)"):
        assert other not in legend
    shot = tmp_path / "state.png"
    page.screenshot(path=str(shot), full_page=True)
    head = shot.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    assert width == 1280 and height > 1500
    assert not errors, errors
