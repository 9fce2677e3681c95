"""The web form in a real browser: Debian's headless Chromium driven by selenium, as an official would use it.

Fills the form for a machinery application in Gia Lâm (finding the district by
typing it without accents), reads the verdict and amount on the page, tries a
change, switches to English and prints the appraisal sheet to PDF. The
screenshots of docs/web.md are taken here: set KCRULES_WEB_SHOTS=docs/web to
write them there (otherwise they go to a temporary folder).

Nothing is downloaded: selenium is given the system chromedriver and chromium
(.ci/run installs them). Without them the tests are skipped, saying so.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kcrules

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

HAVE_BROWSER = Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()
NEED = "the browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"

# Skipped, saying why, on a machine without the browser; in CI (.ci/run installs it) they must run.
pytestmark = pytest.mark.skipif(not HAVE_BROWSER and os.environ.get("CI") != "true", reason=NEED)

ROOT = Path(__file__).resolve().parent.parent
RB = kcrules.load_rulebook()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not HAVE_BROWSER:
        pytest.fail(f"CI must run the browser tests, but {NEED}: .ci/run installs them")
    # Never let selenium look for (or download) a browser or driver of its own.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1000,1100", "--force-device-scale-factor=1",
                "--lang=vi", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("KCRULES_WEB_SHOTS") or tmp_path_factory.mktemp("shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(driver: Any, folder: Path, name: str, most: int = 1500) -> Path:
    """A full-page screenshot, scaled down to keep docs/web small (the pages are mostly text)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1000, "height": min(height, most), "scale": 0.5}})
    path = folder / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def follow(driver: Any, element: Any) -> None:
    """Click a link or a submit button and wait until the next page has replaced this one.

    The old page is marked with a script variable and the wait is for a complete page without
    it: asking whether an element of the old page went stale can meet the browser in the middle
    of the navigation, which chromedriver reports as an inspector error rather than staleness.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.kcOldPage = true;")
    element.click()
    WebDriverWait(driver, 60, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return window.kcOldPage === undefined && document.readyState === 'complete'"))


def choose(driver: Any, path: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", "f-" + path.replace(".", "-"))).select_by_value(value)


def type_in(driver: Any, path: str, text: str) -> None:
    box = driver.find_element("id", "f-" + path.replace(".", "-"))
    box.clear()
    box.send_keys(text)


def test_an_official_checks_a_machinery_application_in_gia_lam(browser: Any, server: str, shots: Path) -> None:
    d = browser
    d.get(server + "/")
    assert d.find_element("tag name", "html").get_attribute("lang") == "vi"
    shoot(d, shots, "1-activities")
    follow(d, d.find_element("css selector", '[data-activity="3.3-machinery"]'))
    assert "/form/hanoi-2016-2020/3.3-machinery" in d.current_url

    type_in(d, "application_date", "10/05/2017")
    choose(d, "establishment.kind", "cooperative")
    # The district list has a search box (added by the page's script): typed without accents.
    search = d.find_element("id", "f-establishment-district-search")
    search.send_keys("gia lam")
    assert d.find_element("id", "f-establishment-district").get_attribute("value") == "gia_lam"
    choose(d, "establishment.sector", "handicraft")
    type_in(d, "establishment.employees", "60")
    type_in(d, "establishment.capital_vnd", "5.000.000.000")
    choose(d, "establishment.product_line", "rattan_bamboo")
    choose(d, "establishment.has_export_contract", "true")
    choose(d, "establishment.in_new_rural_commune", "true")
    for path in ("project.approved", "project.counterpart_funding_committed", "project.machinery_new",
                 "project.machinery_improves", "project.machinery_one_kind"):
        choose(d, path, "true")
    choose(d, "project.other_state_funding", "false")
    choose(d, "project.technology_transfer", "false")
    type_in(d, "project.eligible_cost_vnd", "700.000.000")
    shoot(d, shots, "2-form")
    follow(d, d.find_element("id", "submit"))

    expected = RB.evaluate(json.loads((ROOT / "examples" / "machinery-gia-lam.json").read_text(encoding="utf-8")))
    verdict = d.find_element("id", "verdict")
    assert verdict.get_attribute("data-eligible") == "true"
    assert "ĐỦ ĐIỀU KIỆN HỖ TRỢ" in verdict.text
    amount = d.find_element("id", "amount")
    # No approved higher level: the normal ceiling (TTLT 26/2014 Điều 6.2.t is approved, never automatic).
    assert amount.get_attribute("data-amount-vnd") == str(expected.support.amount_vnd) == "200000000"
    assert amount.text == "200.000.000 ₫"
    assert len(d.find_elements("css selector", "#computation li")) == len(expected.support.lines)
    shoot(d, shots, "3-decision")

    # What if the eligible cost were 300 million? Half of it, under the ceiling.
    from selenium.webdriver.support.ui import Select

    Select(d.find_element("id", "whatif-field")).select_by_value("project.eligible_cost_vnd")
    d.find_element("id", "whatif-value").send_keys("300.000.000")
    follow(d, d.find_element("id", "whatif-submit"))
    assert d.find_element("id", "amount").get_attribute("data-amount-vnd") == "150000000"
    assert "200.000.000 ₫ → 150.000.000 ₫" in d.find_element("id", "difference").text
    shoot(d, shots, "4-what-if", most=1100)

    # The same decision in English.
    follow(d, d.find_element("id", "switch-lang"))
    assert d.find_element("tag name", "html").get_attribute("lang") == "en"
    assert "ELIGIBLE FOR SUPPORT" in d.find_element("id", "verdict").text
    assert d.find_element("id", "amount").text == "₫150,000,000"

    # Print: the appraisal sheet opens in a new tab; print it to A4 PDF.
    from selenium.webdriver.common.print_page_options import PrintOptions

    from selenium.webdriver.support.ui import WebDriverWait

    before = set(d.window_handles)
    d.find_element("id", "print").click()
    WebDriverWait(d, 60).until(lambda d: len(d.window_handles) > len(before))
    (tab,) = set(d.window_handles) - before
    d.switch_to.window(tab)
    WebDriverWait(d, 60).until(lambda d: d.execute_script("return document.readyState") == "complete"
                               and d.find_elements("tag name", "h1"))
    assert d.find_element("tag name", "h1").text.startswith("Appraisal sheet")
    sections = [s.get_attribute("id") for s in d.find_elements("css selector", "section")]
    assert sections == ["facts", "decision", "criteria", "warnings", "signature"]
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    options.background = True
    pdf = base64.b64decode(d.print_page(options))
    assert pdf.startswith(b"%PDF")
    (shots / "sheet.pdf").write_bytes(pdf)
    # A4 pages: 595 × 842 points.
    assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox[0 0 595" in pdf
    d.close()
    d.switch_to.window(next(iter(before)))


def test_the_form_marks_errors_next_to_the_questions(browser: Any, server: str, shots: Path) -> None:
    d = browser
    d.get(server + "/form/hanoi-2016-2020/3.3-machinery?lang=vi")
    type_in(d, "application_date", "2017-05-99")
    type_in(d, "project.eligible_cost_vnd", "12,5")
    follow(d, d.find_element("id", "submit"))
    assert d.find_element("id", "form-errors").is_displayed()
    cost = d.find_element("id", "f-project-eligible_cost_vnd")
    assert cost.get_attribute("aria-invalid") == "true"
    assert "Hãy viết một số nguyên" in d.find_element("id", "f-project-eligible_cost_vnd-err").text
    shoot(d, shots, "5-errors")


def test_the_api_answers_a_browser_with_json(browser: Any, server: str, shots: Path) -> None:
    d = browser
    d.get(server + "/v1/rulebooks/hanoi-2016-2020/activities/3.3-machinery?lang=en")
    shown = json.loads(d.find_element("tag name", "pre").text)
    assert shown["id"] == "3.3-machinery" and shown["label"] == RB.definition.activities["3.3-machinery"].label["en"]
    # Indented for the screenshot, as Chromium's own "Pretty-print" would show it.
    d.execute_script("var pre = document.querySelector('pre');"
                     "pre.textContent = JSON.stringify(JSON.parse(pre.textContent), null, 2);")
    shoot(d, shots, "6-api", most=900)
