"""Middleware for the pages: the security headers of every HTML response, and a form's step
opened by its address (a reload, a bookmark) sent back to the page that holds the form."""

import falcon

from wharf.http.pages.render import no_store, see_other

SECURITY_HEADERS = {
    # No 'unsafe-inline': no inline script or style anywhere in the pages.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self';"
                               " script-src 'self'; form-action 'self'; frame-ancestors 'none';"
                               " base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Pages:
    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource,
                         params) -> None:
        # A page without a GET of its own (a form's POST) names the page its form is on.
        # Nothing runs but the redirect: no session is looked up and nothing is changed.
        form_page = getattr(resource, "form_page", None)
        if form_page and req.method in ("GET", "HEAD") and not hasattr(resource, "on_get"):
            see_other(resp, form_page)
            resp.complete = True

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        """The security headers on every page or HTML answer, and no-store on every page and
        every answer to a session (unless its resource chose a cache policy, as the stylesheet
        does): a browser's Back button after log-out, or a shared computer's cache, must not
        show an account."""
        page = getattr(req.context, "page", False)
        if page or (resp.content_type or "").startswith("text/html"):
            resp.set_headers(SECURITY_HEADERS)
        private = page or getattr(req.context, "session", None) is not None
        if private and resp.get_header("Cache-Control") is None:  # not the simple index
            no_store(resp)
