"""Containing a stolen credential, as a page for a project's Owners: the plan first (a dry
run), then one button applies it (sudo window). The same plan, steps and refusals as
`POST /api/projects/{name}/containment`."""

import falcon

from wharf.domain.errors import WrongPassword
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.render import no_store
from wharf.http.resources.containment import ContainmentRequest, contained
from wharf.http.resources.credentials import find_credential
from wharf.http.resources.uploaders import owned_or_admin

# What a project's Owners can undo. Stopping the credential itself is its account's, unless it
# is a trusted publisher's token: that one is the project's.
PROJECT_ACTIONS = {"revoke": "Throw it away if it is a trusted publisher's token still live",
                   "yank_uploads": "Yank every release file it uploaded",
                   "restore_roles": "Give back the roles it removed",
                   "remove_granted_roles": "Remove the roles it gave, and its invitations"}


class ContainmentPage(Page):
    endpoints = {
        "GET": Endpoint(SESSION, "Contain what a credential did to a project: the form (its"
                        " Owners and admins)"),
        "POST": Endpoint(SESSION, "The plan (a dry run), or with confirm=yes the plan applied"
                         " (sudo window)"),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        project = owned_or_admin(self.wiring, req, name, "contain what a credential did to it")
        self._show(req, resp, project, {"credential": req.get_param("credential") or "",
                                        "actions": list(PROJECT_ACTIONS)})

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        form = self.form(req)  # the origin and CSRF token before anything the form names
        project = owned_or_admin(self.wiring, req, name, "contain what a credential did to it")
        sent = {**form, "actions": [a for a in PROJECT_ACTIONS if form.get(a) == "yes"],
                "confirm": form.get("confirm") == "yes"}
        steps = None
        try:
            data = validated(ContainmentRequest, sent)
            credential = find_credential(self.wiring, data["credential"])
            steps = contained(self.wiring, req, {**data, "confirm": False}, credential,
                              project["normalized_name"])[1]
            if data["confirm"]:
                if form.get("password"):  # the sudo window opened here, as on the account page
                    self.app.reauthenticate(origin_of(req), req.context.session.session_id,
                                            form["password"])
                containment_id, steps = contained(self.wiring, req, data, credential,
                                                  project["normalized_name"])
                self._show(req, resp, project, sent, steps=steps, applied=True,
                           containment_id=containment_id)
                return
        except FAILURES as error:
            self._show(req, resp, project, sent, steps=steps,
                       failure=failure_of(error, {WrongPassword: "password"}))
            return
        self._show(req, resp, project, sent, steps=steps)

    def _show(self, req, resp, project: dict, sent: dict, failure=None, steps=None,
              applied: bool = False, containment_id: str | None = None) -> None:
        no_store(resp)
        session, now = req.context.session, req.context.now
        sudo_open = session.sudo_until is not None and session.sudo_until > now
        self.render(req, resp, "projects/containment.html", project=project, sent=sent,
                    sudo_open=sudo_open,
                    choices=PROJECT_ACTIONS, failure=failure,
                    status=failure.status if failure else falcon.HTTP_200,
                    project_path=f"/projects/{project['normalized_name']}", steps=steps,
                    applied=applied, containment_id=containment_id)
