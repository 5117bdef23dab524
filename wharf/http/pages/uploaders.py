"""Who can publish a project now, as a page for its Owners: what the JSON API answers
(wharf.http.resources.uploaders), the same refusal first."""

import falcon

from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.render import no_store
from wharf.http.resources.uploaders import uploaders_of


class UploadersPage(Page):
    endpoints = {"GET": Endpoint(SESSION, "Who can publish a project now, with which credential"
                                 " (its Owners and admins)")}

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        found = uploaders_of(self.wiring, req, name)
        no_store(resp)
        self.render(req, resp, "projects/uploaders.html", found=found,
                    project_path=f"/projects/{found['normalized_name']}")
