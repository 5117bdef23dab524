"""POST /legacy/: the upload API twine and uv speak (multipart form, API token as password).

Refusals carry their message in the reason phrase (twine prints it) and in the body (uv prints
it). The file is streamed into the store, never held whole in memory, and only recorded once
its digests match what the uploader sent.
"""

import falcon

from wharf.domain.errors import InvalidInput
from wharf.domain.names import project_key
from wharf.http.auth import origin_of, refused
from wharf.http.endpoint import API_TOKEN, Endpoint
from wharf.http.errors import Problem
from wharf.http.resources import Resource
from wharf.security.api_tokens import TokenRefused
from wharf.uploads.distributions import UploadRefused, validate_upload
from wharf.uploads.storage import FileTooLarge

MULTIPART = "multipart/form-data"


def invalid(message: str, status: int = 400) -> Problem:
    return Problem(f"{status} {message}", "invalid_upload", message)


class LegacyUploadResource(Resource):
    endpoints = {
        "POST": Endpoint(API_TOKEN, "Upload a distribution file, as twine and uv do: a"
                         " multipart form, the API token as Basic password of `__token__`",
                         200, errors=(400, 403, 413)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        authority, token = self.wiring.upload_authority, req.context.api_token
        try:
            if not (req.content_type or "").startswith(MULTIPART):
                authority.identify(token)  # a bad token is named before a bad body
                raise UploadRefused(f"Send the upload as {MULTIPART}.")
            uploader, distribution, stored = self._receive(req, authority, token)
        except TokenRefused as refusal:
            raise refused(str(refusal)) from None
        except UploadRefused as refusal:
            raise invalid(refusal.message) from None
        except FileTooLarge as refusal:
            raise invalid(str(refusal), 413) from None
        origin = origin_of(req).acting_as(uploader.account_id)
        self.app.add_file(origin, uploader, distribution, stored)
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "OK"

    def _receive(self, req: falcon.Request, authority, token: str):
        """Read the form: metadata fields first, then the file, checked before it is stored."""
        fields: dict[str, str] = {}
        for part in req.get_media():
            if part.name != "content":
                fields.setdefault(part.name, part.get_text() or "")
                continue
            # The token is judged first (one statement), then the form against the file name.
            key = _project_key(fields)
            if key is None:
                authority.identify(token)
                validate_upload(fields, part.filename or "")  # says what is wrong with the name
            uploader = authority.decide(token, key, req.context.now)
            distribution = validate_upload(fields, part.filename or "")
            if self.wiring.files.by_filename(distribution.filename):
                raise UploadRefused("File already exists. A file name can be used only once,"
                                    " even after its file is removed.")
            stored = self.wiring.file_store.put(part.stream, self.wiring.settings.max_upload_bytes,
                                                check=distribution.check_digests)
            return uploader, distribution, stored
        authority.identify(token)
        raise UploadRefused("Upload payload does not have a file.")


def _project_key(fields: dict[str, str]) -> str | None:
    try:
        return project_key(fields.get("name", ""))
    except InvalidInput:
        return None
