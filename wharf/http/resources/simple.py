"""The simple repository API that pip reads (PEP 503 HTML, PEP 691 JSON) and the files."""

import hashlib
from collections import OrderedDict
from urllib.parse import urlsplit

import falcon

from wharf.domain.errors import InvalidInput
from wharf.domain.names import project_key
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.resources import Resource
from wharf.uploads.simple_index import JSON, choose_media_type, index_page, project_page

IMMUTABLE = ["public", "max-age=31536000", "immutable"]  # a file's bytes never change
INERT = {"Content-Security-Policy": "sandbox; default-src 'none'",
         "X-Content-Type-Options": "nosniff"}


class PageCache:
    """The last project pages this worker rendered, with their entity tags, by (project, media
    type, fingerprint): a page is rendered again only when its project's files changed (the
    store says so in one small query), so a project of 1,000 files costs about what one of 10
    does."""

    def __init__(self, size: int = 128):
        self._size, self._pages = size, OrderedDict()

    def get(self, key: tuple, render) -> tuple[str, str]:
        page = self._pages.pop(key, None)
        if page is None:
            text = render()
            page = (text, entity_tag(text))
        self._pages[key] = page
        while len(self._pages) > self._size:
            self._pages.popitem(last=False)
        return page


def entity_tag(page: str) -> str:
    """A page's strong entity tag: its bytes' digest, so every worker and host gives the same
    page the same tag, and a changed page (another file, a yank, a new release of Wharf's
    templates) a new one."""
    return hashlib.blake2b(page.encode(), digest_size=16).hexdigest()


def _answer(req: falcon.Request, resp: falcon.Response, page: str, tag: str) -> None:
    """The page, or 304 with no body when the client holds it already (If-None-Match): pip
    and uv revalidate their cached index pages this way."""
    resp.etag = tag
    if any(held in ("*", tag) for held in req.if_none_match or ()):
        resp.status, resp.content_type = falcon.HTTP_304, None  # no content, so no type
    else:
        resp.text = page


def _negotiated(req: falcon.Request, resp: falcon.Response) -> str:
    media_type = choose_media_type(req.get_header("Accept"))
    if media_type is None:
        raise falcon.HTTPNotAcceptable(description="this index speaks PEP 691 JSON and HTML")
    resp.content_type = media_type if media_type == JSON else f"{media_type}; charset=utf-8"
    resp.vary = ["Accept"]
    return media_type


class SimpleIndexResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "Every project with files (PEP 503 / PEP 691)",
                                 errors=(304, 406))}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        page = index_page(_negotiated(req, resp), self.wiring.files.project_names())
        _answer(req, resp, page, entity_tag(page))


class SimpleProjectResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "A project's files with their sha256 and"
                                 " Requires-Python (PEP 503 / PEP 691); 301 to the normalized"
                                 " name", errors=(301, 304, 404, 406))}

    def __init__(self, wiring):
        super().__init__(wiring)
        self._pages = PageCache()

    def on_get(self, req: falcon.Request, resp: falcon.Response, project: str) -> None:
        try:
            normalized = project_key(project)
        except InvalidInput:
            raise falcon.HTTPNotFound(description="no such project") from None
        if normalized != project:
            raise falcon.HTTPMovedPermanently(f"/simple/{normalized}/")
        media_type = _negotiated(req, resp)
        fingerprint = self.wiring.files.fingerprint(normalized)
        if fingerprint is None:
            raise falcon.HTTPNotFound(description="no such project")
        page, tag = self._pages.get((normalized, media_type, fingerprint),
                                    lambda: self._page(normalized, media_type))
        _answer(req, resp, page, tag)

    def _page(self, normalized: str, media_type: str) -> str:
        rows = self.wiring.files.of_project(normalized)
        files_origin = self.wiring.settings.files_origin or ""
        files = [{**row, "url": files_origin + file_path(row["sha256"], row["filename"]),
                  "upload_time": row["uploaded_at"]} for row in rows]
        versions = list(dict.fromkeys(row["version"] for row in rows))  # releases, PEP 700
        return project_page(media_type, normalized, files, versions)


class FileResource(Resource):
    """Whatever bytes an uploader sent, served so that no browser runs or renders them: a
    download, sandboxed, never sniffed; and, with WHARF_FILES_ORIGIN, from an origin of
    their own, away from the account pages and their cookie."""
    endpoints = {"GET": Endpoint(PUBLIC, "A distribution file, cached forever, as a download",
                                 errors=(301, 404))}

    def on_get(self, req: falcon.Request, resp: falcon.Response, sha256: str,
               filename: str) -> None:
        _on_files_origin(req, self.wiring.settings.files_origin, file_path(sha256, filename))
        row = self.wiring.files.by_filename(filename)
        if row is None or row["sha256"] != sha256:
            raise falcon.HTTPNotFound(description="no such file")
        _inert(resp, filename)
        resp.content_length = row["size"]
        if req.method != "HEAD":
            resp.stream = self.wiring.file_store.open(sha256)


class CoreMetadataResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "A wheel's core metadata file (PEP 658), cached"
                                 " forever, as a download", errors=(301, 404))}

    def on_get(self, req: falcon.Request, resp: falcon.Response, sha256: str,
               filename: str) -> None:
        _on_files_origin(req, self.wiring.settings.files_origin,
                         file_path(sha256, filename) + ".metadata")
        row = self.wiring.files.by_filename(filename)
        if row is None or row["sha256"] != sha256 or not row["metadata_sha256"]:
            raise falcon.HTTPNotFound(description="no such file")
        _inert(resp, f"{filename}.metadata")
        if req.method != "HEAD":
            resp.stream = self.wiring.file_store.open(row["metadata_sha256"])


def file_path(sha256: str, filename: str) -> str:
    return f"/files/{sha256}/{filename}"


def _on_files_origin(req: falcon.Request, files_origin: str | None, path: str) -> None:
    """With WHARF_FILES_ORIGIN, files are served there only: anywhere else sends them on."""
    if files_origin and req.netloc != urlsplit(files_origin).netloc:
        raise falcon.HTTPMovedPermanently(files_origin + path)


def _inert(resp: falcon.Response, filename: str) -> None:
    resp.content_type = "application/octet-stream"
    resp.set_headers(INERT)
    resp.set_header("Content-Disposition", f'attachment; filename="{filename}"')
    resp.cache_control = IMMUTABLE
