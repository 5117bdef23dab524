"""The simple repository API that pip reads (PEP 503 HTML, PEP 691 JSON) and the files."""

from collections import OrderedDict

import falcon

from wharf.domain.errors import InvalidInput
from wharf.domain.names import project_key
from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.resources import Resource
from wharf.uploads.simple_index import JSON, choose_media_type, index_page, project_page

IMMUTABLE = ["public", "max-age=31536000", "immutable"]  # a file's bytes never change


class PageCache:
    """The last project pages this worker rendered, by (project, media type, fingerprint): a
    page is rendered again only when its project's files changed (the store says so in one
    small query), so a project of 1,000 files costs about what one of 10 does."""

    def __init__(self, size: int = 128):
        self._size, self._pages = size, OrderedDict()

    def get(self, key: tuple, render) -> str:
        page = self._pages.pop(key, None)
        if page is None:
            page = render()
        self._pages[key] = page
        while len(self._pages) > self._size:
            self._pages.popitem(last=False)
        return page



def _negotiated(req: falcon.Request, resp: falcon.Response) -> str:
    media_type = choose_media_type(req.get_header("Accept"))
    if media_type is None:
        raise falcon.HTTPNotAcceptable(description="this index speaks PEP 691 JSON and HTML")
    resp.content_type = media_type if media_type == JSON else f"{media_type}; charset=utf-8"
    resp.vary = ["Accept"]
    return media_type


class SimpleIndexResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "Every project with files (PEP 503 / PEP 691)",
                                 errors=(406,))}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = index_page(_negotiated(req, resp), self.wiring.files.project_names())


class SimpleProjectResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "A project's files with their sha256 and"
                                 " Requires-Python (PEP 503 / PEP 691); 301 to the normalized"
                                 " name", errors=(301, 404, 406))}

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
        resp.text = self._pages.get((normalized, media_type, fingerprint),
                              lambda: self._page(normalized, media_type))

    def _page(self, normalized: str, media_type: str) -> str:
        rows = self.wiring.files.of_project(normalized)
        files = [{**row, "url": f"/files/{row['sha256']}/{row['filename']}",
                  "upload_time": row["uploaded_at"]} for row in rows]
        versions = list(dict.fromkeys(row["version"] for row in rows))  # releases, PEP 700
        return project_page(media_type, normalized, files, versions)


class FileResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "A distribution file, cached forever", errors=(404,))}

    def on_get(self, req: falcon.Request, resp: falcon.Response, sha256: str,
               filename: str) -> None:
        row = self.wiring.files.by_filename(filename)
        if row is None or row["sha256"] != sha256:
            raise falcon.HTTPNotFound(description="no such file")
        resp.content_type = "application/octet-stream"
        resp.cache_control = IMMUTABLE
        resp.content_length = row["size"]
        resp.stream = self.wiring.file_store.open(sha256)


class CoreMetadataResource(Resource):
    endpoints = {"GET": Endpoint(PUBLIC, "A wheel's core metadata file (PEP 658), cached"
                                 " forever", errors=(404,))}

    def on_get(self, req: falcon.Request, resp: falcon.Response, sha256: str,
               filename: str) -> None:
        row = self.wiring.files.by_filename(filename)
        if row is None or row["sha256"] != sha256 or not row["metadata_sha256"]:
            raise falcon.HTTPNotFound(description="no such file")
        resp.content_type = "application/octet-stream"
        resp.cache_control = IMMUTABLE
        resp.stream = self.wiring.file_store.open(row["metadata_sha256"])
