"""An account's pending trusted publishers over HTTP: a GitHub Actions publisher registered for
a project name nobody holds yet, whose first run creates the project (sudo window to change)."""

import falcon
from marshmallow import Schema, fields

from wharf.domain.names import MAX_PROJECT_NAME
from wharf.domain.publishers import GitHubPublisher, GitLabPublisher
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.trusted_publishing import (
    NewGitLabPublisher,
    NewPublisher,
    PublisherView,
)
from wharf.http.schemas.common import Created, dump, required_text

CHANGE_ERRORS = (400, 401, 403, 409, 429, 503)


class NewPendingPublisher(NewPublisher):
    project_name = required_text(MAX_PROJECT_NAME)


class NewPendingGitLabPublisher(NewGitLabPublisher):
    project_name = required_text(MAX_PROJECT_NAME)


class PendingPublisherView(PublisherView):
    project_name = fields.String()
    expires_at = fields.String()


class PendingPublisherList(Schema):
    pending_publishers = fields.List(fields.Nested(PendingPublisherView))


class PendingPublishersResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "Your pending trusted publishers (the expired ones say so)",
                        200, None, PendingPublisherList, (401,)),
        "POST": Endpoint(SESSION, "Register a GitHub Actions publisher for a project name nobody"
                         " holds yet (sudo window, 100 a day): its first run creates the"
                         " project with you as Owner, within 30 days; you are emailed", 201,
                         NewPendingPublisher, Created, CHANGE_ERRORS),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        pending = self.wiring.trusted_publishing.pending_of(req.context.session.account_id)
        resp.media = dump(PendingPublisherList, {"pending_publishers": pending})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        given = self.load(req, NewPendingPublisher)
        project_name = given.pop("project_name")
        pending_id = self.app.add_pending_publisher(origin_of(req), project_name,
                                                    GitHubPublisher(**given))
        resp.status = falcon.HTTP_201
        resp.media = {"id": str(pending_id)}


class PendingGitLabPublishersResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Register a GitLab CI/CD publisher for a project name nobody"
                         " holds yet, as for GitHub's", 201, NewPendingGitLabPublisher,
                         Created, CHANGE_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        given = self.load(req, NewPendingGitLabPublisher)
        project_name = given.pop("project_name")
        pending_id = self.app.add_pending_publisher(origin_of(req), project_name,
                                                    GitLabPublisher(**given))
        resp.status = falcon.HTTP_201
        resp.media = {"id": str(pending_id)}


class PendingPublisherResource(Resource):
    endpoints = {
        "DELETE": Endpoint(SESSION, "Remove a pending trusted publisher of yours (sudo window);"
                           " you are emailed", 204, errors=(401, 403, 404)),
    }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, pending_id: str) -> None:
        self.app.remove_pending_publisher(origin_of(req), pending_id)
        resp.status = falcon.HTTP_204
