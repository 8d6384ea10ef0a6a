"""``attrib serve``: the HTTP API against a real server process, on both stores, and the
page in real headless Chromium (Debian's ``chromium`` and ``chromium-driver``, driven
by Selenium).

Browser tests skip when Chromium is not installed, except where
``ATTRIB_TEST_BROWSER_REQUIRED`` is set (CI), where they fail instead. The results
page's screenshot is written to ``test-artifacts/`` (or ``$ATTRIB_TEST_ARTIFACTS``).
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error

from test_cli import SAMPLE, SNIPPET, attrib, ok, validate

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("ATTRIB_TEST_ARTIFACTS", ROOT / "test-artifacts"))
XSS_REPO = 'evil/<img src=x onerror="window.__xss=1">'
XSS_FILE = "<b onmouseover=alert(6)>banner.py"
XSS_CODE = '''def render_banner(title, visitors):
    """<script>window.__xss = 2</script>"""
    banner = "<img src=x onerror='window.__xss=3'>" + title
    counts = {"visitors": visitors, "markup": "<b onmouseover=alert(4)>hi</b>"}
    for name, value in sorted(counts.items()):
        banner += f"<a href='javascript:window.__xss=5'>{name}</a>={value}"
    return banner.replace("</script>", "&lt;/script&gt;") + str(len(counts))
'''


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``attrib serve`` in a subprocess, stopped at the end."""

    def __init__(self, store: str, env: dict, *args: str, cwd: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "attrib", "--store", store, "serve", "--port",
                                      str(self.port), *args], env=env, cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"attrib serve exited: {self.proc.stderr.read()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("attrib serve did not come up in 60 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory, env) -> str:
    """The sample plus a repository whose names and code carry HTML and script payloads."""
    work = tmp_path_factory.mktemp("web")
    store = work / "sample.db"
    ok(attrib("index", SAMPLE, store=store, env=env))
    evil = work / "evil"
    evil.mkdir()
    (evil / XSS_FILE).write_text(XSS_CODE)
    ok(attrib("index", evil, "--repo", XSS_REPO, "--license", "MIT", store=store, env=env))
    return str(store)


@pytest.fixture(scope="module")
def server(sqlite_store, env):
    s = Server(sqlite_store, env)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def es_server(es_node, env):
    url = es_node.store_url()
    es_env = {**env, **es_node.env()}
    ok(attrib("index", SAMPLE, store=url, env=es_env))
    s = Server(url, es_env)
    yield s
    s.stop()
    es_node.delete_index(url)


def attribute(base: str, code: str, **extra) -> httpx.Response:
    return httpx.post(base + "/api/attribute", json={"code": code, **extra}, timeout=60)


# --------------------------------------------------------------------------- API


@pytest.mark.parametrize("which", ["sqlite", "elastic"])
def test_attribute_equals_scan_on_both_stores(which, request, env, sqlite_store):
    srv = request.getfixturevalue("server" if which == "sqlite" else "es_server")
    code = SNIPPET.read_text()
    r = attribute(srv.url, code, path="snippet.py")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    report = r.json()
    validate(report)
    scan = json.loads(ok(attrib("scan", SNIPPET, "--format", "json", store=sqlite_store, env=env)).stdout)
    assert report["files"][0]["matches"] == scan["files"][0]["matches"]
    [match] = report["files"][0]["matches"]
    assert match["source"]["repo"] == "chardet/chardet" and match["source"]["licenses"] == ["LGPL-2.1-or-later"]


@pytest.mark.parametrize("which", ["sqlite", "elastic"])
def test_search_finds_a_known_file_with_filters(which, request):
    srv = request.getfixturevalue("server" if which == "sqlite" else "es_server")
    body = httpx.get(srv.url + "/api/search", params={"q": "CaseInsensitiveDict lower_items"}, timeout=30).json()
    assert body["hits"][0]["repo"] == "psf/requests" and body["hits"][0]["path"] == "requests/structures.py"
    snippet = body["hits"][0]["snippets"][0]
    a, b = snippet["highlights"][0]
    assert snippet["text"][a:b].lower().startswith(("caseinsensitivedict", "lower_items"))
    assert body["hits"][0]["url"].startswith("https://github.com/psf/requests/blob/")
    lgpl = httpx.get(srv.url + "/api/search", params={"q": "def", "license": "LGPL-2.1-or-later"}, timeout=30).json()
    assert lgpl["hits"] and {h["repo"] for h in lgpl["hits"]} == {"chardet/chardet"}
    none = httpx.get(srv.url + "/api/search", params={"q": "CaseInsensitiveDict", "lang": "Rust"}, timeout=30).json()
    assert none["hits"] == []


def test_stats_source_and_health(server):
    stats = httpx.get(server.url + "/api/stats").json()
    assert stats["files"] == 114 and stats["languages"]["Python"] == 114
    assert stats["license_categories"]["copyleft-limited"] > 0 and stats["params"]["num_perm"] == 32
    report = attribute(server.url, SNIPPET.read_text()).json()
    source = report["files"][0]["matches"][0]["source"]
    lines = httpx.get(server.url + "/api/source", params={"sha": source["sha"], "start": source["start_line"],
                                                           "end": source["end_line"]}).json()
    assert lines["start_line"] == source["start_line"] - 5
    assert "def feed" in lines["text"] or "feed" in lines["text"]
    assert httpx.get(server.url + "/api/source", params={"sha": "0" * 40}).status_code == 404
    assert httpx.get(server.url + "/healthz").json()["status"] == "ok"


def test_limits_and_read_only(server):
    big = attribute(server.url, "x = 1\n" * 200_000)
    assert big.status_code == 413 and "bytes" in big.json()["detail"]

    def chunks():  # no Content-Length: refused once too much has arrived
        yield b'{"code": "'
        for _ in range(2000):
            yield b"x" * 1000
        yield b'"}'

    streamed = httpx.post(server.url + "/api/attribute", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert httpx.post(server.url + "/api/attribute", json={}).status_code == 422
    assert httpx.post(server.url + "/api/attribute", content=b"{not json", headers={
        "content-type": "application/json"}).status_code == 422
    assert attribute(server.url, "a\0b").status_code == 422
    for method in ("PUT", "DELETE", "PATCH"):
        assert httpx.request(method, server.url + "/api/attribute").status_code == 405
    r = httpx.get(server.url + "/api/stats", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in r.headers, "no CORS unless configured"
    page = httpx.get(server.url + "/")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_api_key_cors_and_time_limit(sqlite_store, env):
    srv = Server(sqlite_store, env, "--api-key", "s3cret", "--cors-origin", "https://ok.example",
                 "--timeout", "0.2")
    try:
        assert httpx.get(srv.url + "/api/stats").status_code == 401
        assert httpx.get(srv.url + "/api/stats", headers={"X-API-Key": "wrong"}).status_code == 401
        good = httpx.get(srv.url + "/api/stats", headers={"X-API-Key": "s3cret", "Origin": "https://ok.example"})
        assert good.status_code == 200 and good.headers["access-control-allow-origin"] == "https://ok.example"
        assert httpx.get(srv.url + "/api/stats", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert httpx.get(srv.url + "/healthz").status_code == 200, "health needs no key"
        # 800 copies of the snippet (0.9 MB, under the body limit) take over a second to
        # attribute since the compact store (150 copies could finish within 0.2 s)
        slow = httpx.post(srv.url + "/api/attribute", headers={"X-API-Key": "s3cret"}, timeout=60,
                          json={"code": (SNIPPET.read_text() + "\n") * 800, "lang": "Python"})
        assert slow.status_code == 503 and "longer than 0.2 s" in slow.json()["detail"]
    finally:
        srv.stop()


def test_serve_errors_exit_2(tmp_path, env):
    done = attrib("serve", "--port", str(free_port()), store=tmp_path / "missing.db", env=env, timeout=60)
    assert done.returncode == 2 and "no index" in done.stderr and "Traceback" not in done.stderr


# --------------------------------------------------------------------------- schema fuzzing


def test_fuzzed_requests_never_get_a_server_error(server):
    """Schema-driven fuzzing (schemathesis): every operation of /openapi.json, with
    generated valid and invalid inputs, never answers 5xx."""
    import hypothesis

    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /api/attribute", "GET /api/search", "GET /api/source", "GET /api/stats", "GET /healthz"}
    calls = 0
    for op in operations:
        @hypothesis.settings(max_examples=40, deadline=None, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck))
        @hypothesis.given(op.as_strategy())
        def fuzz(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(checks=[not_a_server_error], timeout=30)

        fuzz()
    assert calls >= 5 * 10


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("ATTRIB_TEST_BROWSER_REQUIRED"):
            pytest.fail("chromium and chromium-driver are required (apt-get install chromium chromium-driver)")
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1800"):
        options.add_argument(arg)
    b = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    b.implicitly_wait(0)
    yield b
    b.quit()


def wait_for(browser, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)


def paste_and_attribute(browser, server, code: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/")
    box = browser.find_element(By.ID, "code")
    browser.execute_script("arguments[0].value = arguments[1];", box, code)  # a paste
    browser.find_element(By.ID, "attribute-button").click()
    wait_for(browser, lambda b: b.find_element(By.ID, "attribute-status").text.startswith(("Done", "Could not")))


def test_page_attributes_a_pasted_copy(browser, server):
    from selenium.webdriver.common.by import By

    paste_and_attribute(browser, server, SNIPPET.read_text())
    assert browser.find_element(By.ID, "attribute-status").text.startswith("Done")
    match = browser.find_element(By.CSS_SELECTOR, "#attribute-results .match")
    title = match.find_element(By.TAG_NAME, "h3").text
    assert title == "L4–25 ← chardet/chardet › chardet/universaldetector.py L131–152"
    link = match.find_element(By.CSS_SELECTOR, "h3 a").get_attribute("href")
    assert link.startswith("https://github.com/chardet/chardet/blob/") and link.endswith("#L131-L152")
    license_ = match.find_element(By.CSS_SELECTOR, ".license")
    assert license_.text == "LGPL-2.1-or-later" and "cat-copyleft-limited" in license_.get_attribute("class")
    wait_for(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#attribute-results .side-by-side pre")) == 2)
    hits = match.find_elements(By.CSS_SELECTOR, ".row.hit")
    assert len(hits) == 2 * 22, "22 highlighted lines on each side"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "attribute-results.png"))


def test_page_is_readable_on_a_phone(browser, server):
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 844)
    try:
        paste_and_attribute(browser, server, SNIPPET.read_text())
        wait_for(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#attribute-results .side-by-side pre")) == 2)
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"
        panes = browser.find_elements(By.CSS_SELECTOR, "#attribute-results .side-by-side > div")
        assert panes[0].location["y"] < panes[1].location["y"], "query and source stack on a narrow screen"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "attribute-results-phone.png"))
    finally:
        browser.set_window_size(1280, 1800)


def test_page_search_finds_a_known_file(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/#search")
    browser.find_element(By.ID, "q").send_keys("CaseInsensitiveDict")
    browser.find_element(By.ID, "search-button").click()
    first = wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#search-results li"))[0]
    assert first.find_element(By.TAG_NAME, "h3").text == "psf/requests › requests/structures.py"
    assert first.find_element(By.TAG_NAME, "mark").text == "CaseInsensitiveDict"


def test_keyboard_tabs(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "/")
    browser.find_element(By.ID, "tab-attribute").send_keys(Keys.ARROW_RIGHT)
    assert browser.find_element(By.ID, "view-search").is_displayed()
    browser.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    stats = wait_for(browser, lambda b: b.find_element(By.ID, "index-stats").text.startswith("sample") and
                     b.find_element(By.ID, "index-stats"))
    assert "114 files" in stats.text


def test_xss_payloads_stay_inert(browser, server):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    paste_and_attribute(browser, server, XSS_CODE)
    match = browser.find_element(By.CSS_SELECTOR, "#attribute-results .match")
    assert XSS_REPO in match.find_element(By.TAG_NAME, "h3").text, "the repository name is shown as text"
    assert XSS_FILE in match.find_element(By.TAG_NAME, "h3").text
    wait_for(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "#attribute-results pre")) == 2)
    for el in browser.find_elements(By.CSS_SELECTOR, "#attribute-results .match *"):
        assert el.tag_name in {"h3", "a", "p", "span", "div", "pre"}, f"injected <{el.tag_name}>"
    browser.find_element(By.TAG_NAME, "body").click()
    assert browser.execute_script("return window.__xss") is None
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    # The search results render indexed code as text too.
    browser.get(server.url + "/#search")
    browser.find_element(By.ID, "q").send_keys("render_banner")
    browser.find_element(By.ID, "search-button").click()
    wait_for(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#search-results li"))
    assert browser.execute_script("return window.__xss") is None
    assert not browser.find_elements(By.CSS_SELECTOR, "#search-results img, #search-results script, "
                                                      "#search-results b")
