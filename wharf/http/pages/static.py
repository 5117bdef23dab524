"""GET /static/{name}: the few files shipped beside the templates, looked up by exact name."""

from pathlib import Path

import falcon

from wharf.http.endpoint import PUBLIC, Endpoint
from wharf.http.pages import Page

DIRECTORY = Path(__file__).resolve().parent.parent / "static"
CONTENT_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


class StaticFiles(Page):
    endpoints = {"GET": Endpoint(PUBLIC, "A stylesheet or script of the pages")}

    def __init__(self, wiring):
        super().__init__(wiring)
        # Read once: only these names are ever served, so no path can reach another file.
        self._files = {path.name: (CONTENT_TYPES[path.suffix], path.read_bytes())
                       for path in DIRECTORY.iterdir() if path.suffix in CONTENT_TYPES}

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        if name not in self._files:
            raise falcon.HTTPNotFound(description="no such file")
        resp.content_type, resp.data = self._files[name]
        resp.cache_control = ["public", "max-age=3600"]

