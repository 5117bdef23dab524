"""The simple index pip and uv read: PEP 503 HTML, PEP 691 JSON with PEP 700 fields, negotiated."""

import json
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from wharf.uploads.simple_index import (
    HTML,
    JSON,
    LEGACY_HTML,
    choose_media_type,
    index_page,
    project_page,
)

PIP_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
              "text/html; q=0.01")
SHA256 = "5f" * 32
UPLOADED = datetime(2026, 6, 1, 12, 30, 5, 123456, tzinfo=UTC)
SDIST = {"filename": "wharf_demo-1.0.0.tar.gz", "url": "/files/5f/5f/wharf_demo-1.0.0.tar.gz",
         "sha256": SHA256, "requires_python": "<4,>=3.11", "size": 2048,
         "upload_time": UPLOADED}
WHEEL = {"filename": "wharf_demo-1.0.0-py3-none-any.whl", "url": "/files/wheel",
         "sha256": "0b" * 32, "requires_python": None, "size": 1024, "upload_time": None}


class Page(HTMLParser):
    """What a PEP 503 client sees: meta tags, title, and anchors with their attributes and text."""

    def __init__(self, html: str):
        super().__init__()
        self.meta, self.anchors, self.title, self._anchor, self._in_title = {}, [], "", None, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta":
            self.meta[attributes["name"]] = attributes["content"]
        elif tag == "a":
            self._anchor = {**attributes, "text": ""}
        self._in_title = tag == "title"

    def handle_data(self, data):
        if self._anchor is not None:
            self._anchor["text"] += data
        elif self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        if tag == "a":
            self.anchors.append(self._anchor)
            self._anchor = None
        self._in_title = False


def test_the_html_root_links_every_project_to_its_normalized_page():
    page = Page(index_page(HTML, [{"name": "Wharf.Demo"}, {"name": "zope_interface"}]))
    assert page.meta == {"pypi:repository-version": "1.1"}
    assert page.anchors == [{"href": "wharf-demo/", "text": "Wharf.Demo"},
                            {"href": "zope-interface/", "text": "zope_interface"}]


def test_the_json_root_lists_every_project_by_name():
    assert json.loads(index_page(JSON, [{"name": "Wharf.Demo"}])) == {
        "meta": {"api-version": "1.1"}, "projects": [{"name": "Wharf.Demo"}]}


def test_a_project_html_page_links_each_file_with_its_hash_and_python_requirement():
    html = project_page(HTML, "Wharf.Demo", [SDIST, WHEEL], ["1.0.0"])
    page = Page(html)
    assert page.title == "Links for wharf-demo"
    assert page.meta == {"pypi:repository-version": "1.1"}
    assert page.anchors == [
        {"href": f"/files/5f/5f/wharf_demo-1.0.0.tar.gz#sha256={SHA256}",
         "data-requires-python": "<4,>=3.11", "text": "wharf_demo-1.0.0.tar.gz"},
        {"href": f"/files/wheel#sha256={'0b' * 32}", "text": "wharf_demo-1.0.0-py3-none-any.whl"}]
    assert 'data-requires-python="&lt;4,&gt;=3.11"' in html


def test_the_html_escapes_everything_it_is_given():
    hostile = {**SDIST, "filename": "<script>x</script>", "url": '/f?a=1&b="2"',
               "requires_python": '"><script>'}
    html = project_page(LEGACY_HTML, "demo", [hostile], [])
    assert "<script>" not in html
    assert Page(html).anchors == [{"href": f'/f?a=1&b="2"#sha256={SHA256}',
                                   "data-requires-python": '"><script>',
                                   "text": "<script>x</script>"}]


def test_a_project_json_page_follows_pep_691_and_pep_700():
    document = json.loads(project_page(JSON, "Wharf.Demo", [SDIST, WHEEL], ["0.9", "1.0.0"]))
    assert document == {
        "meta": {"api-version": "1.1"},
        "name": "wharf-demo",
        "versions": ["0.9", "1.0.0"],
        "files": [
            {"filename": "wharf_demo-1.0.0.tar.gz", "url": "/files/5f/5f/wharf_demo-1.0.0.tar.gz",
             "hashes": {"sha256": SHA256}, "requires-python": "<4,>=3.11", "size": 2048,
             "upload-time": "2026-06-01T12:30:05.123456Z"},
            {"filename": "wharf_demo-1.0.0-py3-none-any.whl", "url": "/files/wheel",
             "hashes": {"sha256": "0b" * 32}, "size": 1024}]}


@pytest.mark.parametrize(("uploaded", "shown"), [
    (datetime(2026, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
     "2026-06-01T12:00:00.000000Z"),
    (datetime(2026, 6, 1, 12, 0), "2026-06-01T12:00:00.000000Z"),
    ("2026-06-01T14:00:00+02:00", "2026-06-01T12:00:00.000000Z"),
])
def test_upload_times_are_shown_in_utc(uploaded, shown):
    document = json.loads(project_page(JSON, "demo", [{**SDIST, "upload_time": uploaded}], []))
    assert document["files"][0]["upload-time"] == shown


def test_both_html_media_types_get_the_same_page():
    assert project_page(HTML, "demo", [SDIST], []) == project_page(LEGACY_HTML, "demo", [SDIST], [])


@pytest.mark.parametrize(("accept", "chosen"), [
    (PIP_ACCEPT, JSON),
    (None, LEGACY_HTML),
    ("", LEGACY_HTML),
    ("*/*", LEGACY_HTML),
    ("text/html", LEGACY_HTML),
    ("TEXT/HTML", LEGACY_HTML),
    (HTML, HTML),
    ("application/*", HTML),
    ("application/vnd.pypi.simple.latest+json", JSON),
    (f"{HTML}, {JSON}; q=0.5", HTML),
    (f"{JSON}; charset=utf-8; q=0.9, text/html; q=0.8", JSON),
    (f"{JSON};q=0, text/html;q=0.1", LEGACY_HTML),
    ("text/html;q=0, */*;q=0.5", HTML),
    (f"text/html;q=abc, {JSON};q=0.1", JSON),
    ("application/json", None),
    ("application/vnd.pypi.simple.v2+json", None),
    (f"{JSON};q=0", None),
])
def test_the_media_type_follows_the_accept_header(accept, chosen):
    assert choose_media_type(accept) == chosen
