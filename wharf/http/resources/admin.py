"""The admin API: freeze and unfreeze an account, read and turn the switches. Every change
asks for admin rights and the sudo window (AdminCommands.check_admin), then the body."""

import falcon
from marshmallow import Schema, fields

from wharf.domain.errors import Forbidden, InvalidInput, NotFound
from wharf.domain.names import username_key
from wharf.domain.switches import REASON, SWITCHES
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.schemas.common import Reason, dump, required_text

CHANGE_ERRORS = (400, 401, 403, 404, 409)


class SwitchChange(Schema):
    on = fields.Boolean(required=True, truthy={True}, falsy={False})
    reason = required_text(REASON)


class Switch(Schema):
    name = fields.String()
    on = fields.Boolean()
    reason = fields.String(allow_none=True)
    changed_at = fields.String(allow_none=True)
    changed_by = fields.String(allow_none=True, metadata={"description": "the admin's username;"
                                                          " null from the command line"})


class SwitchList(Schema):
    switches = fields.List(fields.Nested(Switch))


class FreezeResource(Resource):
    endpoints = {"POST": Endpoint(SESSION, "Freeze an account (admins, sudo window): log-in,"
                                  " sessions and API tokens refused, tokens kept", 204,
                                  Reason, errors=CHANGE_ERRORS)}

    def on_post(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        origin = origin_of(req)
        self.app.check_admin(origin)
        reason = self.load(req, Reason)["reason"]
        self.app.freeze_account(origin, path_username(username), reason)
        resp.status = falcon.HTTP_204


class UnfreezeResource(Resource):
    endpoints = {"POST": Endpoint(SESSION, "Unfreeze an account (admins, sudo window): its"
                                  " tokens work again", 204, Reason,
                                  errors=CHANGE_ERRORS)}

    def on_post(self, req: falcon.Request, resp: falcon.Response, username: str) -> None:
        origin = origin_of(req)
        self.app.check_admin(origin)
        reason = self.load(req, Reason)["reason"]
        self.app.unfreeze_account(origin, path_username(username), reason)
        resp.status = falcon.HTTP_204


class SwitchesResource(Resource):
    endpoints = {"GET": Endpoint(SESSION, "The switches, on or off, with their last change"
                                 " (admins)", 200, None, SwitchList, (401, 403))}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not req.context.session.is_admin:
            raise Forbidden("only admins can read the switches")
        resp.set_header("Cache-Control", "no-store")
        resp.media = dump(SwitchList, {"switches": self.wiring.switches.all()})


class SwitchResource(Resource):
    stopped_by = ()  # read-only is turned off here
    endpoints = {"POST": Endpoint(SESSION, "Turn a switch on or off with a reason (admins,"
                                  " sudo window); while on, what it stops is answered 503",
                                  200, SwitchChange, SwitchList, CHANGE_ERRORS)}

    def on_post(self, req: falcon.Request, resp: falcon.Response, switch: str) -> None:
        origin = origin_of(req)
        self.app.check_admin(origin)
        if switch not in SWITCHES:
            raise NotFound(f"no such switch; the switches: {', '.join(SWITCHES)}")
        change = self.load(req, SwitchChange)
        self.app.turn_switch(origin, switch, change["on"], change["reason"])
        resp.media = dump(SwitchList, {"switches": self.wiring.switches.all()})


def path_username(username: str) -> str:
    """A username in a path; one that no account could have is simply not found."""
    try:
        return username_key(username)
    except InvalidInput:
        raise NotFound("no such account") from None
