"""API tokens: mint (shown once), list, revoke, and a token revoking itself."""


import falcon

from wharf.http.auth import origin_of
from wharf.http.endpoint import API_TOKEN, SESSION, Endpoint
from wharf.http.ids import id_of
from wharf.http.resources import Resource
from wharf.http.schemas.common import dump
from wharf.http.schemas.tokens import NewToken, TokenCreated, TokenList

CHANGE_ERRORS = (400, 401, 403, 404, 409)


class TokensResource(Resource):
    endpoints = {
        "GET": Endpoint(SESSION, "My live API tokens (never their secrets)", 200, None,
                        TokenList, (401,)),
        "POST": Endpoint(SESSION, "Mint an API token (sudo window, verified primary email),"
                         " for the whole account or some of my projects; shown once", 201,
                         NewToken, TokenCreated, CHANGE_ERRORS),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        tokens = self.wiring.api_tokens.active_for_account(req.context.session.account_id)
        resp.media = dump(TokenList, {"tokens": tokens})

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = self.load(req, NewToken)
        minted = self.app.mint_token(origin_of(req), data["description"], data["projects"],
                                     data["not_before"], data["expires_at"])
        resp.status = falcon.HTTP_201
        resp.media = dump(TokenCreated, {"id": str(minted.token_id),
                                                         "token": minted.token})


class TokenResource(Resource):
    endpoints = {
        "DELETE": Endpoint(SESSION, "Revoke one of my API tokens (sudo window)", 204,
                           errors=CHANGE_ERRORS),
    }

    def on_delete(self, req: falcon.Request, resp: falcon.Response, token_id: str) -> None:
        self.app.revoke_token(origin_of(req), id_of(token_id, "token"))
        resp.status = falcon.HTTP_204


class OwnTokenResource(Resource):
    endpoints = {
        "DELETE": Endpoint(API_TOKEN, "An API token revokes itself (send it as Bearer)", 204,
                           errors=(403,)),
    }

    def on_delete(self, req: falcon.Request, resp: falcon.Response) -> None:
        token_id, account_id = self.wiring.upload_authority.authenticate(req.context.api_token,
                                                                         req.context.now)
        origin = origin_of(req).acting_as(account_id, token_id)
        self.app.revoke_own_token(origin, token_id)
        resp.status = falcon.HTTP_204
