"""Server-rendered HTML pages: the same commands and views as the JSON API, as forms.

A page resource is a Falcon resource like the API's, with its own `endpoints` table; its
`html_page` flag makes the Authentication middleware redirect to /login instead of answering 401.
"""

import falcon

from wharf.http.endpoint import answering_head
from wharf.http.pages import forms
from wharf.http.pages.render import render


class Page:
    html_page = True
    form_page: str | None = None  # where a POST-only page's form is: its GET goes there

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        answering_head(cls)

    def __init__(self, wiring):
        self.wiring = wiring
        self.app = wiring.app
        self.settings = wiring.settings

    def form(self, req: falcon.Request) -> dict[str, str]:
        """The posted form, once its Origin (and on a session page, its CSRF token) passed."""
        forms.check_origin(req, self.settings.origin)
        form = forms.read_form(req, self.settings.max_body_bytes)
        session = req.context.session
        if session is not None:
            forms.check_csrf(self.settings.secret_key, session.session_id,
                             form.pop(forms.CSRF_FIELD, None))
        return form

    def render(self, req: falcon.Request, resp: falcon.Response, template: str, **context):
        render(req, resp, self.settings, template, **context)
