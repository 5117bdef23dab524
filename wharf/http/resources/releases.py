"""A project's releases: listed to anyone (as the simple index is), yanked, un-yanked and
removed by its Owners (sudo window), each with a reason."""

import falcon

from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.projects import find_project, path_project_key
from wharf.http.schemas.common import Reason, dump
from wharf.http.schemas.releases import ReleaseList, Removal

TAKE_DOWN_ERRORS = (400, 401, 403, 404, 409)


class ReleasesResource(Resource):
    endpoints = {
        "GET": Endpoint(PUBLIC, "A project's releases and their files, with yanks (public, as"
                        " the simple index is)", 200, None, ReleaseList, (404,)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        project = find_project(self.wiring, name)
        releases = [{**release, "yanked": release["yanked_reason"] is not None}
                    for release in self.wiring.files.releases(project["normalized_name"])]
        resp.media = dump(ReleaseList, {"project": project["name"],
                                                        "releases": releases})


class YankResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Yank a release (PEP 592): installers skip it unless pinned"
                         " (Owners only, sudo window)", 204, Reason, None,
                         TAKE_DOWN_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str,
                version: str) -> None:
        reason = self.load(req, Reason)["reason"]
        self.app.yank_release(origin_of(req), path_project_key(name), version, reason)
        resp.status = falcon.HTTP_204


class UnyankResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Un-yank a release (Owners only, sudo window)", 204,
                         Reason, None, TAKE_DOWN_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str,
                version: str) -> None:
        reason = self.load(req, Reason)["reason"]
        self.app.unyank_release(origin_of(req), path_project_key(name), version, reason)
        resp.status = falcon.HTTP_204


class ReleaseRemovalResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Remove a release and its files for good; their names stay"
                         " taken (Owners only, sudo window; `confirm` is the version)", 204,
                         Removal, None, TAKE_DOWN_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str,
                version: str) -> None:
        data = self.load(req, Removal)
        self.app.remove_release(origin_of(req), path_project_key(name), version,
                                data["confirm"], data["reason"])
        resp.status = falcon.HTTP_204


class FileRemovalResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Remove one file for good; its name stays taken (Owners only,"
                         " sudo window; `confirm` is the file name)", 204, Removal,
                         None, TAKE_DOWN_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str,
                filename: str) -> None:
        data = self.load(req, Removal)
        self.app.remove_file(origin_of(req), path_project_key(name), filename,
                             data["confirm"], data["reason"])
        resp.status = falcon.HTTP_204
