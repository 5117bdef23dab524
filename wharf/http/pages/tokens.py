"""The API token forms of the settings page: mint one (shown once) and revoke one."""

from datetime import timedelta

import falcon
from marshmallow import Schema, fields, validate

from wharf.domain.errors import InvalidInput
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.ids import id_of
from wharf.http.pages.account import AccountAction, AccountPages
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.render import no_store
from wharf.http.schemas.common import required_text


class TokenForm(Schema):
    description = required_text(100)
    scope = fields.String(load_default="account", validate=validate.OneOf(["account", "projects"]))
    projects = fields.String(load_default="", validate=validate.Length(0, 1000))
    expires_in_days = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(1, 3650))


class TokenMintPage(AccountPages):
    endpoints = {"POST": Endpoint(SESSION, "Mint an API token; it is shown once")}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        form = {name: value for name, value in self.form(req).items() if value != ""}
        try:
            data = validated(TokenForm, form)
            names = [n.strip() for n in data["projects"].split(",") if n.strip()]
            if data["scope"] == "projects" and not names:
                raise InvalidInput("name at least one project, or choose the whole account")
            days = data["expires_in_days"]
            minted = self.app.mint_token(
                origin_of(req), data["description"],
                names if data["scope"] == "projects" else None, None,
                req.context.now + timedelta(days=days) if days else None)
        except FAILURES as error:
            self.show_settings(req, resp, failure_of(error, {InvalidInput: "description"}))
            return
        no_store(resp)
        self.render(req, resp, "account/token_minted.html", token=minted.token,
                    description=data["description"])


class TokenRevokePage(AccountAction):
    endpoints = {"POST": Endpoint(SESSION, "Revoke one of my API tokens")}
    done = "token-revoked"

    def act(self, req: falcon.Request, data: dict) -> None:
        self.app.revoke_token(origin_of(req), id_of(data.get("token_id"), "token"))
