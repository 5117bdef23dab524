"""The audit log as pages: your security history, and a project's history for its Owners.

Each page reads through its JSON API resource (wharf.http.resources.history): the same refusal
first, then the same query schema, filters and viewer, so a page never shows what the API hides.
"""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import falcon
from marshmallow import fields, pre_load

from wharf.http import body
from wharf.http.endpoint import SESSION, Endpoint
from wharf.http.pages import Page
from wharf.http.pages.failures import FAILURES, failure_of
from wharf.http.pages.render import no_store
from wharf.http.resources.history import AccountHistory, History, ProjectHistory
from wharf.http.resources.projects import find_project
from wharf.http.schemas.history import HistoryQuery
from wharf.projections.audit_log import Filters
from wharf.projections.audit_names import NAMES

CARRIED = ("name", "since", "until", "limit")  # what the "Older entries" link passes on
EXPORTS = {"jsonl": "JSON Lines", "csv": "CSV"}


class Day(fields.Date):
    """A date input's day as a UTC moment: the midnight it starts at or, with `end`, ends at."""

    def __init__(self, label: str, end: bool = False):
        super().__init__(load_default=None, error_messages={
            "invalid": f"{label}: give a date such as 2026-05-18"})
        self.end = end

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        day = super()._deserialize(value, attr, data, **kwargs)
        return datetime.combine(day + timedelta(days=int(self.end)), time.min, UTC)


class HistoryForm(HistoryQuery):
    """The API's history query as the page's GET form sends it: days, and empty fields."""
    since = Day("Since")
    until = Day("Until", end=True)

    @pre_load
    def drop_blanks(self, data: dict, **kwargs) -> dict:
        return {name: value for name, value in data.items() if value not in ("", [""])}


class HistoryPage(Page):
    history: type[History]  # the API resource whose scope and filters this page reads
    template = ""

    def __init__(self, wiring):
        super().__init__(wiring)
        self.api = self.history(wiring)

    def about(self, **path) -> dict:
        """What the template needs besides the entries, and the `export_path` of its export."""
        raise NotImplementedError

    def on_get(self, req: falcon.Request, resp: falcon.Response, **path) -> None:
        scope = self.api.scope(req, **path)  # refused before anything is read, as in the API
        about = self.about(**path)
        context = {**about, "names": NAMES, "page": None,
                   "window_days": self.settings.history_window.days,
                   "form": {name: req.get_param(name) or "" for name in CARRIED}}
        no_store(resp)
        try:
            params = body.query(req, HistoryForm)
            filters, viewer = self.api.filtered(req, scope, params)
            page = self.wiring.audit_log.page(filters, viewer, params["limit"], params["cursor"])
        except FAILURES as error:
            failure = failure_of(error)
            self.render(req, resp, self.template, status=failure.status, failure=failure,
                        **context)
            return
        context["form"]["since"] = filters.since.date().isoformat()
        older = {name: req.params[name] for name in CARRIED if req.params.get(name)}
        self.render(req, resp, self.template, **{
            **context, "page": page,
            "older": urlencode({**older, "cursor": page.next_cursor}, doseq=True),
            "exports": _exports(about["export_path"], filters)})


def _exports(path: str, filters: Filters) -> dict[str, str]:
    """Links to download what the page shows (every page of it) in each export format."""
    query = {"name": list(filters.names), "since": filters.since.isoformat()}
    if filters.until is not None:
        query["until"] = filters.until.isoformat()
    return {label: f"{path}?{urlencode({'format': kind, **query}, doseq=True)}"
            for kind, label in EXPORTS.items()}


class AccountHistoryPage(HistoryPage):
    endpoints = {"GET": Endpoint(SESSION, "Your security history")}
    history = AccountHistory
    template = "account/history.html"

    def about(self) -> dict:
        return {"export_path": "/api/account/events/export"}


class ProjectHistoryPage(HistoryPage):
    endpoints = {"GET": Endpoint(SESSION, "A project's history (its Owners and admins)")}
    history = ProjectHistory
    template = "projects/history.html"

    def about(self, name: str) -> dict:
        project = find_project(self.wiring, name)
        return {"project": project,
                "export_path": f"/api/projects/{project['name']}/events/export"}
