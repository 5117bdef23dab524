"""The audit log, read: an account's security history, a project's history for its Owners,
the admin's log over everything; each as pages of JSON or as a streamed JSONL/CSV export."""

import csv
import io
import itertools
import json
import logging
from collections.abc import Iterator

import falcon

from wharf.domain.errors import Forbidden, NotFound
from wharf.domain.project import OWNER
from wharf.http import body
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.resources import Resource
from wharf.http.resources.projects import find_project
from wharf.http.schemas.common import dump
from wharf.http.schemas.history import (
    AdminHistoryExportQuery,
    AdminHistoryQuery,
    HistoryExportQuery,
    HistoryPage,
    HistoryQuery,
    ReplayQuery,
    ReplayState,
)
from wharf.projections.audit_log import Filters, Viewer
from wharf.projections.database import stamp

COLUMNS = ["id", "time", "name", "actor", "account", "project", "ip", "user_agent",
           "two_factor_method", "token_id", "details"]
MEDIA = {"jsonl": "application/jsonl; charset=utf-8", "csv": "text/csv; charset=utf-8"}
INCOMPLETE = "the export stopped early: it is incomplete"
INCOMPLETE_LINE = {
    "jsonl": json.dumps({"code": "export_incomplete", "error": INCOMPLETE}).encode() + b"\n",
    "csv": f"#export_incomplete,{INCOMPLETE}\r\n".encode()}
ERRORS = (400, 401, 403, 404)
log = logging.getLogger("wharf.http")


class History(Resource):
    """A history. `scope` refuses whoever may not read it, before anything else is looked at,
    and says which entries it holds; `narrowed` adds a caller's own filters."""
    query_schema: type = HistoryQuery

    def scope(self, req: falcon.Request, **path) -> dict:
        raise NotImplementedError

    def narrowed(self, params: dict) -> dict:
        return {}

    def filters(self, req: falcon.Request, **path) -> tuple[dict, Filters, Viewer]:
        scope = self.scope(req, **path)
        params = body.query(req, self.query_schema)
        return params, *self.filtered(req, scope, params)

    def filtered(self, req: falcon.Request, scope: dict, params: dict) -> tuple[Filters, Viewer]:
        """The caller's query within `scope`, and who reads (the HTML pages share this)."""
        since = params["since"] or req.context.now - self.wiring.settings.history_window
        filters = Filters(since=since, until=params["until"], names=tuple(params["name"]),
                          **scope, **self.narrowed(params))
        session = req.context.session
        return filters, Viewer(str(session.account_id), session.is_admin)

    def on_get(self, req: falcon.Request, resp: falcon.Response, **path) -> None:
        params, filters, viewer = self.filters(req, **path)
        page = self.wiring.audit_log.page(filters, viewer, params["limit"], params["cursor"])
        resp.set_header("Cache-Control", "no-store")
        resp.media = dump(HistoryPage, {
            "events": page.entries, "next_cursor": page.next_cursor,
            "since": stamp(filters.since), "until": stamp(filters.until)})


class Export(History):
    def on_get(self, req: falcon.Request, resp: falcon.Response, **path) -> None:
        params, filters, viewer = self.filters(req, **path)
        entries = self.wiring.audit_log.stream(filters, viewer)
        kind = params["format"]
        resp.content_type = MEDIA[kind]
        resp.set_header("Cache-Control", "no-store")
        resp.set_header("Content-Disposition", f'attachment; filename="wharf-events.{kind}"')
        chunks = _jsonl(entries) if kind == "jsonl" else _csv(entries)
        first = next(chunks, b"")  # a failure before the first line is a problem document
        resp.stream = _ending_cleanly(itertools.chain([first], chunks), kind,
                                      req.context.request_id)


def _ending_cleanly(chunks: Iterator[bytes], kind: str, request_id: str) -> Iterator[bytes]:
    """The export, whose status line is long gone when a later batch fails (the store went
    away, a row could not be read): the failure is logged, and the body ends with a last line
    saying it is incomplete, rather than the server's own error page or a silent cut."""
    try:
        yield from chunks
    except Exception:
        log.exception("the export stopped early", extra={"fields": {"request_id": request_id}})
        yield INCOMPLETE_LINE[kind]


def _jsonl(entries: Iterator[dict]) -> Iterator[bytes]:
    for entry in entries:
        yield json.dumps(entry, sort_keys=True).encode() + b"\n"


def _csv(entries: Iterator[dict]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([_cell(column, entry[column]) for column in COLUMNS])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def _cell(column: str, value) -> str:
    if column == "details":
        value = json.dumps(value, sort_keys=True)
    elif isinstance(value, dict):  # actor, account, project: by name, else by id
        value = value.get("username") or value.get("name") or value["id"]
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts like a formula (OWASP "CSV injection"); user agents
    # and labels are chosen by whoever sends them.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AccountHistory(History):
    endpoints = {"GET": Endpoint(SESSION, "Your security history, newest first", 200, None,
                                 HistoryPage, (400, 401), query=HistoryQuery)}

    def scope(self, req, **path) -> dict:
        return {"account_id": str(req.context.session.account_id)}


class AccountHistoryExport(Export, AccountHistory):
    query_schema = HistoryExportQuery
    endpoints = {"GET": Endpoint(SESSION, "Your security history as JSON Lines or CSV", 200,
                                 errors=(400, 401), query=HistoryExportQuery,
                                 media=tuple(MEDIA.values()))}


class ProjectHistory(History):
    endpoints = {"GET": Endpoint(SESSION, "Everything done to a project (its Owners and admins)",
                                 200, None, HistoryPage, ERRORS,
                                 query=HistoryQuery)}

    def scope(self, req, name: str) -> dict:
        project = find_project(self.wiring, name)
        session = req.context.session
        roles = {r["account_id"]: r["role"] for r in project["roles"]}
        if roles.get(str(session.account_id)) != OWNER and not session.is_admin:
            raise Forbidden("only the project's Owners can read its history")
        return {"project_id": project["id"]}


class ProjectHistoryExport(Export, ProjectHistory):
    query_schema = HistoryExportQuery
    endpoints = {"GET": Endpoint(SESSION, "A project's history as JSON Lines or CSV (Owners)",
                                 200, errors=ERRORS, query=HistoryExportQuery,
                                 media=tuple(MEDIA.values()))}


class AdminHistory(History):
    query_schema = AdminHistoryQuery
    endpoints = {"GET": Endpoint(SESSION, "The whole log (admins)", 200, None,
                                 HistoryPage, ERRORS, query=AdminHistoryQuery)}

    def scope(self, req, **path) -> dict:
        if not req.context.session.is_admin:
            raise Forbidden("only admins can read the whole log")
        return {}

    def narrowed(self, params: dict) -> dict:
        narrowed = {"ip": params["ip"]}
        if params["account"] is not None:
            narrowed["involving"] = self.wiring.accounts.id_by_username(params["account"])
            if narrowed["involving"] is None:
                raise NotFound(f"no account named {params['account']}")
        if params["project"] is not None:
            narrowed["project_id"] = find_project(self.wiring, params["project"])["id"]
        return narrowed


class AdminHistoryExport(Export, AdminHistory):
    query_schema = AdminHistoryExportQuery
    endpoints = {"GET": Endpoint(SESSION, "The whole log as JSON Lines or CSV (admins)", 200,
                                 errors=ERRORS, query=AdminHistoryExportQuery,
                                 media=tuple(MEDIA.values()))}


class AdminReplay(Resource):
    endpoints = {"GET": Endpoint(SESSION, "The state at a past moment, from the log alone: roles,"
                                 " 2FA, sessions, tokens, who could upload (admins)", 200, None,
                                 ReplayState, ERRORS, query=ReplayQuery)}

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not req.context.session.is_admin:
            raise Forbidden("only admins can replay the log")
        params = body.query(req, ReplayQuery)
        resp.set_header("Cache-Control", "no-store")
        resp.media = dump(ReplayState, self.wiring.replay.at(
            params["as_of"], params["account"], params["project"]))
