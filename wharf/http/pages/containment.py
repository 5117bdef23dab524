"""Containing a stolen credential, as pages: the plan first (a dry run), then one button applies
it (sudo window). For the credential's own account (admins: anyone's), everything it did; for a
project's Owners, what it did to their project. The same plan, steps and refusals as
`POST /api/account/containment` and `POST /api/projects/{name}/containment`."""

import falcon

from wharf.domain.errors import WrongPassword
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.render import no_store
from wharf.http.resources.containment import ContainmentRequest, contained
from wharf.http.resources.credentials import find_credential, own_credential
from wharf.http.resources.uploaders import owned_or_admin

# What a project's Owners can undo. Stopping the credential itself is its account's, unless it
# is a trusted publisher's token: that one is the project's.
PROJECT_ACTIONS = {"revoke": "Throw it away if it is a trusted publisher's token still live",
                   "yank_uploads": "Yank every release file it uploaded",
                   "restore_roles": "Give back the roles it removed",
                   "remove_granted_roles": "Remove the roles it gave, and its invitations"}
# What an account can undo of its own credential: stop it first, then all it left behind.
ACCOUNT_ACTIONS = {"revoke": "Stop it: end the session or revoke the token",
                   "revoke_minted": "Revoke the API tokens it made",
                   **{action: label for action, label in PROJECT_ACTIONS.items()
                      if action != "revoke"}}


class _Containment(Page):
    """A containment page; `scope` names the project it keeps to (None: the account's)."""
    choices: dict[str, str]

    def scope(self, req: falcon.Request, name: str | None) -> dict | None:
        raise NotImplementedError

    def credential(self, req: falcon.Request, credential_id: str) -> dict:
        raise NotImplementedError

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str | None = None):
        project = self.scope(req, name)
        self._show(req, resp, project, {"credential": req.get_param("credential") or "",
                                        "actions": list(self.choices)})

    def on_post(self, req: falcon.Request, resp: falcon.Response,
                name: str | None = None) -> None:
        form = self.form(req)  # the origin and CSRF token before anything the form names
        project = self.scope(req, name)
        kept_to = project and project["normalized_name"]
        sent = {**form, "actions": [a for a in self.choices if form.get(a) == "yes"],
                "confirm": form.get("confirm") == "yes"}
        steps = None
        try:
            data = validated(ContainmentRequest, sent)
            credential = self.credential(req, data["credential"])
            steps = contained(self.wiring, req, {**data, "confirm": False}, credential,
                              kept_to)[1]
            if data["confirm"]:
                if form.get("password"):  # the sudo window opened here, as on the account page
                    self.app.reauthenticate(origin_of(req), req.context.session.session_id,
                                            form["password"])
                containment_id, steps = contained(self.wiring, req, data, credential, kept_to)
                self._show(req, resp, project, sent, steps=steps, applied=True,
                           containment_id=containment_id)
                return
        except FAILURES as error:
            self._show(req, resp, project, sent, steps=steps,
                       failure=failure_of(error, {WrongPassword: "password"}))
            return
        self._show(req, resp, project, sent, steps=steps)

    def _show(self, req, resp, project: dict | None, sent: dict, failure=None, steps=None,
              applied: bool = False, containment_id: str | None = None) -> None:
        no_store(resp)
        session, now = req.context.session, req.context.now
        sudo_open = session.sudo_until is not None and session.sudo_until > now
        self.render(req, resp, "containment.html", project=project, sent=sent,
                    sudo_open=sudo_open, choices=self.choices, failure=failure,
                    status=failure.status if failure else falcon.HTTP_200,
                    path=(f"/projects/{project['normalized_name']}/containment" if project
                          else "/account/containment"),
                    steps=steps, applied=applied, containment_id=containment_id)


def _endpoints(form: str) -> dict[str, Endpoint]:
    return {"GET": Endpoint(SESSION, form),
            "POST": Endpoint(SESSION, "The plan (a dry run), or with confirm=yes the plan"
                             " applied (sudo window)")}


class AccountContainmentPage(_Containment):
    endpoints = _endpoints("Contain one of your sessions or API tokens (admins: anyone's): the"
                           " form")
    choices = ACCOUNT_ACTIONS

    def scope(self, req: falcon.Request, name: None) -> None:
        return None

    def credential(self, req: falcon.Request, credential_id: str) -> dict:
        return own_credential(self.wiring, req, credential_id)


class ContainmentPage(_Containment):
    endpoints = _endpoints("Contain what a credential did to a project: the form (its Owners"
                           " and admins)")
    choices = PROJECT_ACTIONS

    def scope(self, req: falcon.Request, name: str) -> dict:
        return owned_or_admin(self.wiring, req, name, "contain what a credential did to it")

    def credential(self, req: falcon.Request, credential_id: str) -> dict:
        return find_credential(self.wiring, credential_id)
