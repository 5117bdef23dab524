"""A project's releases page for its Owners: yank, un-yank, remove a release (its version typed
again) or one file (its name typed again), each with a reason; the password first, when the
sudo window is closed. The same commands and refusals as the JSON API."""

import falcon
from marshmallow import Schema

from wharf.domain.errors import Forbidden, NotFound
from wharf.domain.project import OWNER
from wharf.domain.takedowns import TAKE_DOWN
from wharf.http.auth import origin_of
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, Failure, failure_of
from wharf.http.pages.forms import validated
from wharf.http.pages.messages import done, status_message
from wharf.http.pages.render import no_store, see_other
from wharf.http.resources.projects import find_project
from wharf.http.schemas.common import Reason, required_text
from wharf.http.schemas.releases import Removal
from wharf.http.schemas.sessions import PasswordOnly


class ReleaseForm(Reason):
    version = required_text(200)


class ReleaseRemovalForm(Removal):
    version = required_text(200)


class FileRemovalForm(Removal):
    filename = required_text(300)


# action -> its form, and the message after it
ACTIONS: dict[str, tuple[type[Schema], str]] = {
    "yank": (ReleaseForm, "release-yanked"),
    "unyank": (ReleaseForm, "release-unyanked"),
    "remove": (ReleaseRemovalForm, "release-removed"),
    "remove-file": (FileRemovalForm, "file-removed"),
    "reauthenticate": (PasswordOnly, "password-confirmed-here"),
}


class OwnersReleases(Page):
    def owned(self, req: falcon.Request, name: str) -> dict:
        """The project, if the session's account is one of its Owners."""
        project, account_id = find_project(self.wiring, name), str(req.context.session.account_id)
        if not any(role["account_id"] == account_id and role["role"] == OWNER
                   for role in project["roles"]):
            raise Forbidden(f"only an Owner of this project can {TAKE_DOWN}")
        return project

    def show(self, req: falcon.Request, resp: falcon.Response, project: dict,
             failure: Failure | None = None) -> None:
        releases = self.wiring.files.releases(project["normalized_name"])
        session, now = req.context.session, req.context.now
        no_store(resp)
        self.render(req, resp, "projects/releases.html", project=project,
                    releases=list(reversed(releases)), failure=failure,
                    status=failure.status if failure else falcon.HTTP_200,
                    status_message=None if failure else status_message(req),
                    sudo_open=session.sudo_until is not None and session.sudo_until > now)


class ReleasesPage(OwnersReleases):
    endpoints = {"GET": Endpoint(SESSION, "A project's releases, to yank or remove (its"
                                 " Owners)")}

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        self.show(req, resp, self.owned(req, name))


class ReleaseActionPage(OwnersReleases):
    endpoints = {"POST": Endpoint(SESSION, "Yank, un-yank or remove a release or a file, or"
                                  " confirm the password first (Owners only)")}
    form_page = "/account"  # a path of no project: its GET goes where every form starts

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str,
                action: str) -> None:
        form = self.form(req)  # its origin and CSRF token first, whatever it asks
        if action not in ACTIONS:
            raise NotFound("no such action")
        project = self.owned(req, name)
        schema, message = ACTIONS[action]
        try:
            self.act(req, project["normalized_name"], action, validated(schema, form))
        except FAILURES as error:
            self.show(req, resp, project, failure_of(error))  # many forms: no one field
            return
        see_other(resp, done(f"/projects/{project['normalized_name']}/releases", message))

    def act(self, req: falcon.Request, project: str, action: str, data: dict) -> None:
        origin = origin_of(req)
        if action == "reauthenticate":
            self.app.reauthenticate(origin, req.context.session.session_id, data["password"])
        elif action == "yank":
            self.app.yank_release(origin, project, data["version"], data["reason"])
        elif action == "unyank":
            self.app.unyank_release(origin, project, data["version"], data["reason"])
        elif action == "remove":
            self.app.remove_release(origin, project, data["version"], data["confirm"],
                                    data["reason"])
        else:
            self.app.remove_file(origin, project, data["filename"], data["confirm"],
                                 data["reason"])
