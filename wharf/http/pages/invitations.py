"""The invitee's side of role invitations, as pages: the emailed link shows its invitation with
an Accept and a Decline button (mail scanners open links: only a POST answers), and the account
page lists every invitation waiting, with the same buttons. Both answer logged in as the
invitee, through the same commands as the API."""

import falcon
from marshmallow import Schema, fields

from wharf.application.invitations import ACCEPT, DECLINE
from wharf.domain.errors import NotFound
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.account import AccountPages
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done
from wharf.http.pages.render import no_store, see_other
from wharf.http.schemas.common import bounded

MESSAGES = {ACCEPT: "invitation-accepted", DECLINE: "invitation-declined"}


class InvitationAnswerForm(Schema):
    """One of: the emailed link's token, or the project's name (from the account page)."""
    token = fields.String(load_default=None, validate=bounded(1, 200))
    project = fields.String(load_default=None, validate=bounded(1, 200))


class InvitationLinkPage(Page):
    endpoints = {"GET": Endpoint(SESSION, "The emailed invitation link's page: Accept and"
                                 " Decline buttons (only their POST answers)")}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        no_store(resp)  # the page holds the token
        self.render(req, resp, "account/invitation.html", token=req.get_param("token") or "")


class InvitationAnswerPage(AccountPages):
    endpoints = {"POST": Endpoint(SESSION, "Accept or decline an invitation to a role, with the"
                                  " emailed link's token or by the project's name")}

    def on_post(self, req: falcon.Request, resp: falcon.Response, answer: str) -> None:
        form = self.form(req)  # its origin and CSRF token first, whatever it asks
        if answer not in MESSAGES:
            raise NotFound("no such answer")
        try:
            data = validated(InvitationAnswerForm, form)
            if data["token"]:
                self.app.answer_invitation_link(origin_of(req), data["token"], answer)
            else:
                self.app.answer_invitation(origin_of(req), data["project"] or "", answer)
        except FAILURES as error:
            self.show_settings(req, resp, failure_of(error))
            return
        see_other(resp, done("/account", MESSAGES[answer]))
