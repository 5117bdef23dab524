"""Projects and their roles. Reading roles needs a role on the project (or admin)."""

import falcon

from wharf.domain.errors import Forbidden, InvalidInput, NotFound
from wharf.domain.names import project_key
from wharf.http.auth import origin_of
from wharf.http.endpoint import PUBLIC, SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.schemas.common import Created, dump
from wharf.http.schemas.projects import (
    NewProject,
    NewRole,
    ProjectView,
    RoleList,
    RoleUpdate,
)


class ProjectsResource(Resource):
    endpoints = {
        "POST": Endpoint(SESSION, "Create a project; you become its Owner (a verified primary"
                         " email; 20 an hour per account, 40 per client address)", 201,
                         NewProject, Created, (400, 401, 403, 409, 429, 503)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        name = self.load(req, NewProject)["name"]
        project_id = self.app.create_project(origin_of(req), name)
        resp.status = falcon.HTTP_201
        resp.media = {"id": str(project_id)}


class ProjectResource(Resource):
    endpoints = {
        "GET": Endpoint(PUBLIC, "A project and its maintainers (public, as on PyPI)", 200, None,
                        ProjectView, (404,)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        project = find_project(self.wiring, name)
        maintainers = sorted(r["username"] for r in project["roles"])
        resp.media = dump(ProjectView, {**project, "maintainers": maintainers})



class RolesResource(ProjectResource):
    endpoints = {
        "GET": Endpoint(SESSION, "Roles on a project (its Owners, Maintainers and admins)", 200,
                        None, RoleList, (401, 403, 404)),
        "POST": Endpoint(SESSION, "Invite someone to a role (Owners only, sudo window; they"
                         " need a verified primary email): they are emailed a link, valid 7"
                         " days, and hold the role once they accept", 201, NewRole,
                         None, (400, 401, 403, 404, 409)),
    }

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        project, session = find_project(self.wiring, name), req.context.session
        members = {r["account_id"] for r in project["roles"]}
        if str(session.account_id) not in members and not session.is_admin:
            raise Forbidden("only people with a role on this project can see its roles")
        resp.media = dump(RoleList,
                                  {"project": project["name"], "roles": project["roles"]})

    def on_post(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        data = self.load(req, NewRole)
        self.app.invite(origin_of(req), path_project_key(name), data["username"], data["role"])
        resp.status = falcon.HTTP_201


class RoleResource(Resource):
    endpoints = {
        "PATCH": Endpoint(SESSION, "Change a role (Owners only, sudo window; never the last"
                          " Owner)", 204, RoleUpdate, None, (400, 401, 403, 404, 409)),
        "DELETE": Endpoint(SESSION, "Remove a role (Owners only, sudo window; never the last"
                           " Owner)", 204, errors=(401, 403, 404, 409)),
    }

    def on_patch(self, req: falcon.Request, resp: falcon.Response, name: str,
                 username: str) -> None:
        role = self.load(req, RoleUpdate)["role"]
        self.app.change_role(origin_of(req), path_project_key(name), username, role)
        resp.status = falcon.HTTP_204

    def on_delete(self, req: falcon.Request, resp: falcon.Response, name: str,
                  username: str) -> None:
        self.app.remove_role(origin_of(req), path_project_key(name), username)
        resp.status = falcon.HTTP_204


def path_project_key(name: str) -> str:
    """The normalized form of a project name in a path; an invalid name is simply not found."""
    try:
        return project_key(name)
    except InvalidInput:
        raise NotFound("no such project") from None


def find_project(wiring, name: str) -> dict:
    """The project of a name in a path, with its roles."""
    project = wiring.projects.by_normalized_name(path_project_key(name))
    if project is None:
        raise NotFound("no such project")
    return project
