"""``sitegen check``: a built site is whole before it is published.

Every HTML page must parse (elements closed in order, no duplicate ids, a language and
a title), every internal link and ``#anchor`` must resolve to a file and an element in
it, every page must be reachable from the home page by following links (404.html and
redirect pages excepted), the machine-readable files (sitemap.xml, feed.xml,
data/*.json, _redirects) must parse and point at pages that exist, and the search index
must hold every file its interface asks for, whole (``check_search``).

It reads only the output folder, so it checks what a host will serve, whatever built it.
"""
from __future__ import annotations

import json
import posixpath
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from .. import urls
from .search import BundleCheck
from ..site.search import BUNDLE

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements whose end tag HTML lets an author leave out; the parser closes them itself.
OPTIONAL_END = {"html", "head", "body", "p", "li", "dt", "dd", "option", "optgroup", "thead", "tbody",
                "tfoot", "tr", "td", "th", "colgroup", "rt", "rp"}
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("source", "src"),
                   ("form", "action"), ("iframe", "src"), ("audio", "src"), ("video", "src")}
EXEMPT_FROM_REACHABILITY = {urls.NOT_FOUND_FILE}
_REFRESH = re.compile(r"^\s*\d+\s*;\s*url\s*=\s*(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    file: str  # relative to the output folder
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


@dataclass
class Report:
    pages: int = 0
    links: int = 0
    search_pages: int | None = None  # pages in the search index; None if the site has none
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Page:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, int, str]] = field(default_factory=list)  # (url, line, element)
    redirect: bool = False
    bundles: list[tuple[str, int]] = field(default_factory=list)  # search bundle folders named (url, line)


class _PageParser(HTMLParser):
    def __init__(self, file: str, problems: list[Problem]) -> None:
        super().__init__(convert_charrefs=True)
        self.file, self.problems = file, problems
        self.page = _Page()
        self.stack: list[tuple[str, int]] = []
        self.titles = 0
        self.lang = None
        self.in_title = False
        self.title_text = ""

    def problem(self, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(self.file, line or self.getpos()[0], message))

    def handle_starttag(self, tag, attrs) -> None:
        self._element(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()[0]))
        if tag == "title" and not any(t == "svg" for t, _ in self.stack[:-1]):  # not an SVG tooltip
            self.titles += 1
            self.in_title = True

    def handle_startendtag(self, tag, attrs) -> None:
        self._element(tag, attrs)

    def _element(self, tag: str, attrs) -> None:
        values = dict(attrs)
        line = self.getpos()[0]
        if tag == "html":
            self.lang = values.get("lang")
        for name in ("id", "name") if tag == "a" else ("id",):
            value = values.get(name)
            if value is None:
                continue
            if name == "id" and value in self.page.ids:
                self.problem(f"duplicate id '{value}'")
            self.page.ids.add(value)
        for element, attribute in LINK_ATTRIBUTES:
            if tag == element and values.get(attribute) is not None:
                self.page.links.append((values[attribute], line, tag))
        if values.get("data-bundle") is not None:  # the search page's script loads Pagefind from there
            self.page.bundles.append((values["data-bundle"], line))
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            match = _REFRESH.match(values.get("content") or "")
            if match:
                self.page.redirect = True
                self.page.links.append((match.group(1).strip().strip("'\""), line, "meta"))

    def handle_endtag(self, tag) -> None:
        if tag == "title":
            self.in_title = False
        if tag in VOID:
            return
        if not any(open_tag == tag for open_tag, _ in self.stack):
            self.problem(f"end tag </{tag}> closes no open element")
            return
        while self.stack:
            open_tag, line = self.stack.pop()
            if open_tag == tag:
                return
            if open_tag not in OPTIONAL_END:
                self.problem(f"<{open_tag}> opened on line {line} is not closed before </{tag}>")

    def handle_data(self, data) -> None:
        if self.in_title:
            self.title_text += data

    def finish(self) -> _Page:
        self.close()
        for tag, line in self.stack:
            if tag not in OPTIONAL_END:
                self.problem(f"<{tag}> is never closed", line)
        if not self.lang:
            self.problem("<html> has no lang attribute", 1)
        if self.titles != 1 or not self.title_text.strip():
            self.problem("the page needs exactly one non-empty <title>", 1)
        return self.page


def check_site(output: Path, base_url: str | None = None, advance: Callable[[int], None] = lambda n: None,
               ) -> Report:
    """Check the built site in ``output``; ``base_url`` (or the home page's canonical link)
    says which root-absolute links ("/news/...") belong to the site. ``advance(1)`` is
    called as each page is read, for a progress bar."""
    output = Path(output)
    report = Report()
    files = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    html_files = sorted(f for f in files if f.endswith(".html") and not f.startswith("pagefind/"))
    pages: dict[str, _Page] = {}
    for file in html_files:
        parser = _PageParser(file, report.problems)
        try:
            parser.feed((output / file).read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            report.problems.append(Problem(file, None, f"not UTF-8: {exc}"))
            advance(1)
            continue
        pages[file] = parser.finish()
        advance(1)
    report.pages = len(pages)
    base_path = urls.base_path(base_url) if base_url else _base_path_from_home(output)
    resolver = _Resolver(files, pages, base_path)
    graph: dict[str, set[str]] = {}
    for file, page in pages.items():
        graph[file] = set()
        for link, line, element in page.links:
            report.links += 1
            target, problem = resolver.resolve(file, link)
            if problem:
                report.problems.append(Problem(file, line, f"<{element}> link '{link}': {problem}"))
            elif target and element in ("a", "form", "meta") and target in pages:
                graph[file].add(target)
    _check_reachable(pages, graph, report)
    _check_data_files(output, files, resolver, report)
    _check_search_bundles(output, files, pages, resolver, report)
    report.problems.sort(key=lambda p: (p.file, p.line or 0, p.message))
    return report


class _Resolver:
    def __init__(self, files: set[str], pages: dict[str, _Page], base_path: str) -> None:
        # Links are compared decoded: the root path may hold escapes ("/d%C3%BCsseldorf/").
        self.files, self.pages, self.base_path = files, pages, unquote(base_path)

    def resolve(self, source: str, link: str) -> tuple[str | None, str | None]:
        """The output file a link leads to (None if it leaves the site), or a problem."""
        parts = urlsplit(link)
        if parts.scheme or parts.netloc:
            return None, None  # another site, or mailto:/data:; not ours to check
        path, fragment = unquote(parts.path), unquote(parts.fragment)
        if not path:
            target = source  # "#anchor" or "?q=" on the same page
        else:
            normal, problem = self.site_path(source, path)
            if problem:
                return None, problem
            target = self.file_for(normal, path.endswith("/"))
            if target is None:
                return None, "no such file"
        if fragment and target in self.pages and fragment not in self.pages[target].ids:
            return target, f"no element with id '{fragment}' in {target}"
        return target, None

    def site_path(self, source: str, path: str) -> tuple[str, str | None]:
        """Where the decoded link path ``path`` on page ``source`` leads, normalised, or a problem."""
        if path.startswith("/"):
            if not path.startswith(self.base_path):
                return "", f"leaves the site's root path {self.base_path}"
            joined = path[len(self.base_path):]
        else:
            joined = posixpath.join(posixpath.dirname(source), path)
        normal = posixpath.normpath(joined) if joined else "."
        if normal == ".." or normal.startswith("../"):
            return "", "points above the site's root folder"
        return normal, None

    def file_for(self, normal: str, as_folder: bool) -> str | None:
        if normal == ".":
            return "index.html" if "index.html" in self.files else None
        if not as_folder and normal in self.files:
            return normal
        index = f"{normal}/index.html"
        return index if index in self.files else None


def _base_path_from_home(output: Path) -> str:
    try:
        home = (output / "index.html").read_text(encoding="utf-8")
    except OSError:
        return "/"
    match = re.search(r'<link rel="canonical" href="([^"]+)"', home)
    return urls.base_path(match.group(1)) if match else "/"


def _check_reachable(pages: dict[str, _Page], graph: dict[str, set[str]], report: Report) -> None:
    if "index.html" not in pages:
        report.problems.append(Problem("index.html", None, "the site has no home page"))
        return
    seen, todo = {"index.html"}, deque(["index.html"])
    while todo:
        for target in graph[todo.popleft()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    for file, page in pages.items():
        if file not in seen and file not in EXEMPT_FROM_REACHABILITY and not page.redirect:
            report.problems.append(Problem(file, None, "orphaned: no link leads here from the home page"))


def _check_data_files(output: Path, files: set[str], resolver: _Resolver, report: Report) -> None:
    for file in sorted(f for f in files if f.endswith(".xml") and "/" not in f):
        try:
            root = ElementTree.parse(output / file).getroot()
        except ElementTree.ParseError as exc:
            report.problems.append(Problem(file, exc.position[0], f"not well-formed XML: {exc}"))
            continue
        if file == "sitemap.xml":
            for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc"):
                _check_absolute(file, (loc.text or "").strip(), resolver, report)
        for link in root.iter("{http://www.w3.org/2005/Atom}link"):  # a feed's links, at the site root
            href = link.get("href") or ""
            if urlsplit(href).scheme:
                _check_absolute(file, href, resolver, report)
            else:
                _, problem = resolver.resolve("index.html", href)
                if problem:
                    report.problems.append(Problem(file, None, f"'{href}': {problem}"))
    for file in sorted(f for f in files if f.startswith("data/") and f.endswith(".json")):
        try:
            json.loads((output / file).read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            report.problems.append(Problem(file, None, f"not valid JSON: {exc}"))
    if "_redirects" in files:
        lines = (output / "_redirects").read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines, 1):
            fields = line.split()
            if not fields or line.startswith("#"):
                continue
            if len(fields) < 2:
                report.problems.append(Problem("_redirects", n, "a rule needs an old and a new address"))
                continue
            _, problem = resolver.resolve("index.html", fields[1])
            if problem:
                report.problems.append(Problem("_redirects", n, f"'{fields[1]}': {problem}"))


def _check_search_bundles(output: Path, files: set[str], pages: dict[str, _Page], resolver: _Resolver,
                          report: Report) -> None:
    """The search index in ``pagefind/`` and in any folder a page loads one from."""
    loaded_by = {BUNDLE: "the search page"}
    for file, page in sorted(pages.items()):
        for url, line in page.bundles:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                continue
            folder, problem = resolver.site_path(file, unquote(parts.path))
            if problem:
                report.problems.append(Problem(file, line, f"search bundle '{url}': {problem}"))
            elif loaded_by.get(folder) in (None, "the search page"):
                loaded_by[folder] = file
    for folder, page in sorted(loaded_by.items()):
        if not any(f.startswith(folder + "/") for f in files):
            continue  # built without search: the build said so, and the search page tells readers
        bundle = BundleCheck(output, files, folder, page).run()
        report.problems.extend(Problem(file, None, message) for file, message in bundle.problems)
        if bundle.pages is not None:
            report.search_pages = (report.search_pages or 0) + bundle.pages


def _check_absolute(file: str, url: str, resolver: _Resolver, report: Report) -> None:
    parts = urlsplit(url)
    _, problem = resolver.resolve("index.html", parts.path) if unquote(parts.path).startswith(resolver.base_path) \
        else (None, f"not under the site's root path {resolver.base_path}")
    if problem:
        report.problems.append(Problem(file, None, f"'{url}': {problem}"))


def summary(report: Report) -> str:
    found = f"{len(report.problems)} problem{'s' if len(report.problems) != 1 else ''}" if report.problems \
        else "no problems"
    if report.search_pages is None:
        return f"checked {report.pages:,} pages and {report.links:,} links: {found}"
    return (f"checked {report.pages:,} pages, {report.links:,} links and the search index "
            f"({report.search_pages:,} pages): {found}")

