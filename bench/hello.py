"""A bare Falcon hello-world: the baseline every Wharf scenario is compared with.

Served by the same gunicorn command line as Wharf (`--workers 2`, sync workers), so the ratio
shows what Wharf's own work costs on top of gunicorn and Falcon.
"""

import falcon


class Hello:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"message": "Hello, world!"}


app = falcon.App()
app.add_route("/", Hello())
