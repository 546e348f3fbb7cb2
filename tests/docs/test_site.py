"""The documentation site (`make docs` builds it into build/docs/html), opened in headless Chromium.

The site is served on 127.0.0.1 and crawled from the index in the browser: every same-site link must lead to a
page or file that exists, and to an anchor that exists on it. Each plugin and role page must carry its title,
its options table with every option of its documentation, its examples and return values. Screenshots of the
index and of one module page are kept in tests/output/docs/.
"""

import ast
import functools
import glob
import http.server
import os
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import yaml
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(ROOT, "build", "docs", "html")
SCREENSHOTS = os.path.join(ROOT, "tests", "output", "docs")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGES = "collections/scalingo/cloud/"
SITE_TITLE = "scalingo.cloud documentation"


def plugin_docs(path):
    """The DOCUMENTATION, EXAMPLES and RETURN strings of a plugin file, without importing it."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    docs = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                    docs[target.id] = node.value.value
    return docs


def plugin_pages():
    """Of each plugin and role: (page, heading, short description, option ids, return value ids, an examples line)."""
    pages = []
    for kind, pattern in (("module", "plugins/modules/*.py"), ("inventory", "plugins/inventory/*.py")):
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            name = os.path.splitext(os.path.basename(path))[0]
            if name == "__init__":
                continue
            docs = plugin_docs(path)
            doc = yaml.safe_load(docs["DOCUMENTATION"])
            returns = yaml.safe_load(docs.get("RETURN") or "") or {}
            example = next(line.strip() for line in docs["EXAMPLES"].splitlines() if line.strip().startswith("- "))
            pages.append(
                (
                    f"{PAGES}{name}_{kind}.html",
                    f"scalingo.cloud.{name} {kind}",
                    doc["short_description"],
                    [f"parameter-{option}" for option in doc.get("options", {})],
                    [f"return-{key}" for key in returns],
                    example,
                )
            )
    for path in sorted(glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml"))):
        name = path.split(os.sep)[-3]
        with open(path, encoding="utf-8") as handle:
            specs = yaml.safe_load(handle)["argument_specs"]
        options = [
            f"parameter-{entry}--{option}" for entry, spec in specs.items() for option in spec.get("options", {})
        ]
        pages.append(
            (
                f"{PAGES}{name}_role.html",
                f"scalingo.cloud.{name} role",
                specs["main"]["short_description"],
                options,
                [],
                None,
            )
        )
    return pages


PLUGIN_PAGES = plugin_pages()
PLUGIN_PAGE_PATHS = [entry[0] for entry in PLUGIN_PAGES]


@pytest.fixture(scope="session")
def site():
    """The site's base URL on 127.0.0.1 and the list of (path, status) it served."""
    if not os.path.isfile(os.path.join(SITE, "index.html")):
        pytest.fail(f"{SITE}/index.html is missing: build the site with `make docs`")
    served = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):
            served.append((self.path, int(code)))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=SITE))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", served
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def page_path(url, base):
    """The site path of a same-site URL ('' for anything else), with index.html for a directory."""
    if not url.startswith(base):
        return ""
    path = urllib.parse.urlsplit(url).path.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="session")
def crawl(site, browser):
    """Open every page reachable from the index in the browser; returns {path: page facts}."""
    base = site[0]
    pages = {}
    queue = ["index.html"]
    while queue:
        path = queue.pop(0)
        if path in pages:
            continue
        if status(base + path) != 200:
            pages[path] = {"status": status(base + path), "ids": set(), "links": [], "title": "", "h1": ""}
            continue
        browser.get(base + path)
        facts = browser.execute_script(
            """
            return {
              title: document.title,
              h1: (() => {
                const heading = document.querySelector('h1');
                if (!heading) return '';
                const copy = heading.cloneNode(true);
                copy.querySelectorAll('.headerlink').forEach(e => e.remove());
                return copy.textContent.trim();
              })(),
              ids: Array.from(document.querySelectorAll('[id], a[name]'), e => e.id || e.name),
              links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
            };
            """
        )
        facts["ids"] = set(facts["ids"])
        facts["status"] = 200
        pages[path] = facts
        if path == "index.html" or path == PAGES + "scalingo_app_module.html":
            os.makedirs(SCREENSHOTS, exist_ok=True)
            name = "index" if path == "index.html" else "scalingo_app_module"
            browser.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))
        for link in facts["links"]:
            target = page_path(link.split("#")[0], base)
            if target.endswith(".html") and target not in pages:
                queue.append(target)
    return pages


GUIDES = {
    "collections/scalingo/cloud/docsite/getting_started.html": "docs/docsite/rst/getting_started.rst",
    "collections/scalingo/cloud/docsite/real_token.html": "docs/docsite/rst/real_token.rst",
    "collections/scalingo/cloud/docsite/awx.html": "docs/docsite/rst/awx.rst",
    "guides/ecosystem.html": "docs/ecosystem.md",
    "guides/reliability.html": "docs/reliability.md",
    "guides/performance.html": "bench/RESULTS.md",
}


def source_heading(path):
    """The title of a Markdown or reStructuredText source, as written there."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    if path.endswith(".md"):
        return next(line[2:].strip() for line in lines if line.startswith("# "))
    return next(lines[i - 1] for i, line in enumerate(lines) if i and line.startswith("===") and lines[i - 1])


def test_index(crawl):
    assert crawl["index.html"]["title"] == f"scalingo.cloud — {SITE_TITLE}"


@pytest.mark.parametrize("page", GUIDES)
def test_guide(crawl, page):
    assert page in crawl, f"{page} is not reachable from the index"
    heading = source_heading(GUIDES[page]).replace("`", "")
    assert crawl[page]["h1"] == heading
    assert crawl[page]["title"] == f"{heading} — {SITE_TITLE}"


def test_every_plugin_and_role_has_a_page():
    modules = [page for page in PLUGIN_PAGE_PATHS if page.endswith("_module.html")]
    roles = [page for page in PLUGIN_PAGE_PATHS if page.endswith("_role.html")]
    inventories = [page for page in PLUGIN_PAGE_PATHS if page.endswith("_inventory.html")]
    assert modules and roles and inventories
    for page in PLUGIN_PAGE_PATHS:
        assert os.path.isfile(os.path.join(SITE, page)), page


@pytest.mark.parametrize(
    ("page", "heading", "description", "options", "returns", "example"),
    PLUGIN_PAGES,
    ids=[page.rsplit("/", 1)[1] for page in PLUGIN_PAGE_PATHS],
)
def test_plugin_page(crawl, browser, site, page, heading, description, options, returns, example):
    assert page in crawl, f"{page} is not reachable from the index"
    # Sphinx's smartquotes turns an apostrophe into a typographic one in titles.
    assert crawl[page]["title"].replace("\u2019", "'") == f"{heading} – {description} — {SITE_TITLE}"
    browser.get(site[0] + page)
    tables = browser.find_elements(By.CSS_SELECTOR, "section#parameters table.ansible-option-table")
    assert tables, "no options table"
    documented = {
        element.get_attribute("id") for element in tables[0].find_elements(By.CSS_SELECTOR, "[id^='parameter-']")
    }
    assert options
    assert set(options) <= documented, f"options missing from the table: {sorted(set(options) - documented)}"
    if returns:
        table = browser.find_element(By.CSS_SELECTOR, "section#return-values table.ansible-option-table")
        shown = {element.get_attribute("id") for element in table.find_elements(By.CSS_SELECTOR, "[id^='return-']")}
        assert set(returns) <= shown, f"return values missing: {sorted(set(returns) - shown)}"
    if example:
        assert example in browser.find_element(By.CSS_SELECTOR, "section#examples pre").text


def test_links_inside_the_site_resolve(crawl, site):
    base = site[0]
    broken = []
    files = {path: facts["status"] for path, facts in crawl.items()}
    for path, facts in crawl.items():
        for link in facts["links"]:
            url, fragment = urllib.parse.urldefrag(link)
            target = page_path(url, base)
            if not target:
                continue
            if target not in files:
                files[target] = status(base + target)
            if files[target] != 200:
                broken.append(f"{path}: {link} ({files[target]})")
            elif fragment and urllib.parse.unquote(fragment) not in crawl.get(target, {"ids": ()})["ids"]:
                broken.append(f"{path}: {link} (no such anchor)")
    assert not broken, "\n".join(broken)
    assert len(crawl) >= len(PLUGIN_PAGES) + 7


def test_every_request_to_the_site_succeeded(crawl, site):
    assert crawl
    failed = sorted({(path, code) for path, code in site[1] if code >= 400})
    assert not failed
