"""Trusted publishing over HTTP: PyPI's exchange routes, as uv and the official GitHub action
speak them (`/_/oidc/...`, PyPI's answers and error shape, a JSON body sent with or without its
media type), and an Owner's publishers of a project (sudo window to change them)."""

import falcon
import orjson
from marshmallow import Schema, fields

from wharf.domain.errors import Forbidden
from wharf.domain.publishers import GITHUB, GITLAB, GitHubPublisher, GitLabPublisher
from wharf.http.auth import origin_of
from wharf.http.body import read_bounded
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.projects import find_project, path_project_key
from wharf.http.schemas.common import Created, bounded, dump, required_text
from wharf.security.api_tokens import TokenRefused
from wharf.security.oidc import OidcRefused

OWNER = "Owner"
CHANGE_ERRORS = (400, 401, 403, 404, 409)


class InvalidPayload(OidcRefused):
    code = "invalid-payload"


class TokenPayload(Schema):
    token = required_text(16 * 1024)


class AudienceView(Schema):
    audience = fields.String()


class MintedTokenView(Schema):
    success = fields.Boolean()
    token = fields.String()
    expires = fields.Integer()  # seconds since the epoch


class ExchangeError(Schema):
    code = fields.String()
    description = fields.String()


class ExchangeRefused(Schema):
    """PyPI's answer to a refused exchange (422)."""
    message = fields.String()
    errors = fields.List(fields.Nested(ExchangeError))


class Burned(Schema):
    success = fields.Boolean()


class NewPublisher(Schema):
    repository_owner = required_text(39)
    repository_owner_id = required_text(20)
    repository = required_text(100)
    workflow = required_text(255)
    environment = fields.String(load_default=None, allow_none=True,
                                validate=bounded(1, 255))
    issuer = fields.String(load_default=GITHUB, validate=bounded(1, 500))


class NewGitLabPublisher(Schema):
    namespace = required_text(255 * 4)  # a group and its subgroups
    project = required_text(255)
    workflow_filepath = required_text(255)
    environment = fields.String(load_default=None, allow_none=True,
                                validate=bounded(1, 255))
    issuer = fields.String(load_default=GITLAB, validate=bounded(1, 500))


class PublisherView(NewPublisher):
    """A GitHub publisher's fields, or a GitLab one's (namespace, project, workflow_filepath)."""
    id = fields.String()
    added_at = fields.String()
    namespace = fields.String()
    project = fields.String()
    workflow_filepath = fields.String()


class PublisherList(Schema):
    project = fields.String()
    publishers = fields.List(fields.Nested(PublisherView))
    trusted_publishing_only_since = fields.String(allow_none=True)  # None: tokens upload too


class TrustedPublishingOnly(Schema):
    enabled = fields.Boolean(required=True, truthy={True}, falsy={False})  # JSON true or false


def _token_of(req: falcon.Request, max_bytes: int) -> str:
    """The `token` of a `{"token": ...}` body (uv sends it without a media type)."""
    try:
        data = orjson.loads(read_bounded(req, max_bytes))
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or set(data) != {"token"} or not isinstance(data["token"], str):
        raise InvalidPayload('send {"token": "..."} as the JSON body, and nothing else')
    return data["token"]


class AudienceResource(Resource):
    endpoints = {
        "GET": Endpoint(PUBLIC, "The audience an identity token must be meant for", 200,
                        None, AudienceView),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"audience": self.wiring.identity_tokens.audience}


class MintTokenResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Exchange a CI run's identity token (once) for a 15-minute"
                         " upload token of the one project whose trusted publisher it matches;"
                         " refusals answer 422 in PyPI's shape", 200, TokenPayload,
                         MintedTokenView, (411, 413), alternative=(422, ExchangeRefused)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        jwt = _token_of(req, self.wiring.settings.max_body_bytes)
        claims = self.wiring.identity_tokens.verify(jwt, req.context.now)
        minted = self.app.mint_publisher_token(origin_of(req), claims)
        resp.media = {"success": True, "token": minted.token,
                      "expires": int(minted.expires_at.timestamp())}


class BurnTokenResource(Resource):
    endpoints = {
        "POST": Endpoint(PUBLIC, "Throw away a trusted publisher's upload token (the token is"
                         " its own credential)", 200, TokenPayload, Burned, (403, 404, 411, 413),
                         alternative=(422, ExchangeRefused)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        token = _token_of(req, self.wiring.settings.max_body_bytes)
        token_id, account_id = self.wiring.upload_authority.authenticate(token, req.context.now)
        if account_id is not None:
            raise TokenRefused("Invalid API Token: only a trusted publisher's token is burned"
                               " here; an API token revokes itself with DELETE /api/token")
        self.app.burn_publisher_token(origin_of(req).acting_as(None, token_id), token_id)
        resp.media = {"success": True}


class PublishersResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "A project's trusted publishers (Owners only)", 200, None,
                        PublisherList, (401, 403, 404)),
        "POST": Endpoint(SESSION, "Add a GitHub Actions trusted publisher (Owners only, sudo"
                         " window); every Owner is emailed", 201, NewPublisher, Created,
                         CHANGE_ERRORS),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        project, session = find_project(self.wiring, name), req.context.session
        owners = {r["account_id"] for r in project["roles"] if r["role"] == OWNER}
        if str(session.account_id) not in owners:
            raise Forbidden("only an Owner of this project can see its trusted publishers")
        view = self.wiring.trusted_publishing
        resp.media = dump(PublisherList, {
            "project": project["name"], "publishers": view.of_project(project["id"]),
            "trusted_publishing_only_since": view.only_since(project["id"])})

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        publisher = GitHubPublisher(**self.load(req, NewPublisher))
        publisher_id = self.app.add_publisher(origin_of(req), path_project_key(name), publisher)
        resp.status = falcon.HTTP_201
        resp.media = {"id": str(publisher_id)}


class GitLabPublishersResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Add a GitLab CI/CD trusted publisher (Owners only, sudo"
                         " window); every Owner is emailed", 201, NewGitLabPublisher,
                         Created, CHANGE_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        publisher = GitLabPublisher(**self.load(req, NewGitLabPublisher))
        publisher_id = self.app.add_publisher(origin_of(req), path_project_key(name), publisher)
        resp.status = falcon.HTTP_201
        resp.media = {"id": str(publisher_id)}


class PublisherResource(Resource):
    endpoints = {
        "DELETE": Endpoint(SESSION, "Remove a trusted publisher (Owners only, sudo window);"
                           " every Owner is emailed", 204, errors=CHANGE_ERRORS),
    }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, name: str,
                  publisher_id: str) -> None:
        self.app.remove_publisher(origin_of(req), path_project_key(name), publisher_id)
        resp.status = falcon.HTTP_204


class TrustedPublishingOnlyResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Turn trusted publishing only on (API-token uploads refused;"
                         " a trusted publisher is needed first) or off (Owners only, sudo"
                         " window); every Owner is emailed", 204, TrustedPublishingOnly,
                         errors=CHANGE_ERRORS),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        enabled = self.load(req, TrustedPublishingOnly)["enabled"]
        self.app.require_trusted_publishing(origin_of(req), path_project_key(name), enabled)
        resp.status = falcon.HTTP_204
