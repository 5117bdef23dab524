"""The simple repository API pip and uv read: PEP 503 HTML, PEP 691 JSON, PEP 700 fields.

Pages are rendered from plain data, in the order the caller gives. A project is
`{"name": str}`; a file is `{"filename": str, "url": str, "sha256": str, "size": int}` plus,
when known, `"requires_python": str`, `"upload_time"` (a datetime or ISO 8601 text; UTC when
naive), `"metadata_sha256"`: its core metadata file is served at its URL + `.metadata`
(PEP 658, under PEP 714's names and the older ones clients still read), and `"yanked_reason"`:
its release was yanked, for that reason (PEP 592).
"""

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape

import orjson
from packaging.utils import canonicalize_name

JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"
LEGACY_HTML = "text/html"
# Ties go to the first: a browser's "*/*" gets a page it can show.
OFFERED = (LEGACY_HTML, HTML, JSON)
API_VERSION = "1.1"
PEP_700_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def choose_media_type(accept: str | None) -> str | None:
    """The offered type the Accept header ranks highest (q-values honoured), None if none is."""
    ranges = _media_ranges((accept or "").strip() or "*/*")
    quality = {offer: _quality(offer, ranges) for offer in OFFERED}
    best = max(OFFERED, key=lambda offer: quality[offer])
    return best if quality[best] > 0 else None


def index_page(media_type: str, projects: Sequence[Mapping]) -> str:
    """`/simple/`: every project, in the chosen media type."""
    if media_type == JSON:
        return _json({"meta": {"api-version": API_VERSION},
                      "projects": [{"name": project["name"]} for project in projects]})
    links = [(f"{canonicalize_name(project['name'])}/", {}, project["name"])
             for project in projects]
    return _html("Simple index", links)


def project_page(media_type: str, name: str, files: Sequence[Mapping],
                 versions: Sequence[str]) -> str:
    """`/simple/{project}/`: the project's files, in the chosen media type."""
    normalized_name = canonicalize_name(name)
    if media_type == JSON:
        return _json({"meta": {"api-version": API_VERSION}, "name": normalized_name,
                      "versions": list(versions), "files": [_file_json(file) for file in files]})
    links = [(f"{file['url']}#sha256={file['sha256']}", _file_attributes(file), file["filename"])
             for file in files]
    return _html(f"Links for {normalized_name}", links)


def _file_json(file: Mapping) -> dict:
    entry = {"filename": file["filename"], "url": file["url"],
             "hashes": {"sha256": file["sha256"]}, "size": file["size"]}
    if file.get("requires_python"):
        entry["requires-python"] = file["requires_python"]
    if file.get("upload_time"):
        entry["upload-time"] = _iso_utc(file["upload_time"])
    if file.get("metadata_sha256"):
        entry["core-metadata"] = entry["dist-info-metadata"] = {
            "sha256": file["metadata_sha256"]}
    if file.get("yanked_reason") is not None:
        entry["yanked"] = file["yanked_reason"] or True  # PEP 691: the reason, or true
    return entry


def _file_attributes(file: Mapping) -> dict:
    attributes = {}
    if file.get("requires_python"):
        attributes["data-requires-python"] = file["requires_python"]
    if file.get("metadata_sha256"):
        digest = f"sha256={file['metadata_sha256']}"
        attributes["data-core-metadata"] = attributes["data-dist-info-metadata"] = digest
    if file.get("yanked_reason") is not None:
        attributes["data-yanked"] = file["yanked_reason"]
    return attributes


def _iso_utc(moment: datetime | str) -> str:
    """PEP 700's yyyy-mm-ddThh:mm:ss.ffffffZ; a naive time is taken to be UTC already."""
    if isinstance(moment, str) and PEP_700_TIME.fullmatch(moment):
        return moment  # already so (the views store times this way)
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json(document: dict) -> str:
    return orjson.dumps(document).decode()


def _html(title: str, links: list[tuple[str, dict, str]]) -> str:
    anchors = [_anchor(href, attributes, text) for href, attributes, text in links]
    return "\n".join([
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f"    <title>{escape(title)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>{escape(title)}</h1>",
        *(f"    {anchor}<br>" for anchor in anchors),
        "  </body>",
        "</html>",
        "",
    ])


def _anchor(href: str, attributes: dict, text: str) -> str:
    extra = "".join(f' {name}="{escape(value)}"' for name, value in attributes.items())
    return f'<a href="{escape(href)}"{extra}>{escape(text)}</a>'


def _media_ranges(accept: str) -> list[tuple[str, float]]:
    """(media range, q) pairs; a range with an unreadable q-value is ignored."""
    ranges = []
    for item in accept.split(","):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                quality = _q_value(value.strip())
        if media_range and quality is not None:
            ranges.append((media_range.lower().replace(".latest+", ".v1+"), quality))
    return ranges


def _q_value(text: str) -> float | None:
    try:
        quality = float(text)
    except ValueError:
        return None
    return quality if 0 <= quality <= 1 else None


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range matching `offer` (RFC 9110 §12.5.1), 0 if none does."""
    kind = offer.split("/")[0]
    by_specificity = [offer, f"{kind}/*", "*/*"]
    for candidate in by_specificity:
        matching = [quality for media_range, quality in ranges if media_range == candidate]
        if matching:
            return max(matching)
    return 0.0
