"""POST /legacy/: the upload API twine and uv speak (multipart form, API token as password).

Refusals carry their message in the reason phrase (twine prints it) and in the body (uv prints
it). The file is streamed into the store, never held whole in memory, and only recorded once
its digests match what the uploader sent.
"""

import falcon

from wharf.http.auth import origin_of
from wharf.http.endpoint import API_TOKEN, Endpoint
from wharf.http.errors import Problem
from wharf.http.resources import Resource
from wharf.uploads.distributions import UploadRefused, validate_upload
from wharf.uploads.errors import FileExists

MULTIPART = "multipart/form-data"
MAX_FIELDS_BYTES = 4 * 1024 * 1024  # metadata, README included; the file itself is streamed


class LegacyUploadResource(Resource):
    endpoints = {
        "POST": Endpoint(API_TOKEN, "Upload a distribution file, as twine and uv do: a"
                         " multipart form, the API token as Basic password of `__token__`",
                         200, errors=(400, 403, 411, 413)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        authority, token = self.wiring.upload_authority, req.context.api_token
        authority.authenticate(token, req.context.now)  # no body is read for a token unfit now
        if not (req.content_type or "").startswith(MULTIPART):
            raise UploadRefused(f"Send the upload as {MULTIPART}.")
        if req.content_length is None:  # Falcon's multipart parser needs it; twine and uv send it
            raise Problem(falcon.HTTP_411, "length_required", "send a Content-Length header")
        uploader, distribution, stored = self._receive(req, authority, token)
        origin = origin_of(req).acting_as(uploader.account_id)
        self.app.add_file(origin, uploader, distribution, stored)
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "OK"

    def _receive(self, req: falcon.Request, authority, token: str):
        """Read the form: metadata fields first, then the file, checked before it is stored."""
        fields: dict[str, str] = {}
        text_bytes = 0
        parts = iter(req.get_media())
        for part in parts:
            if part.name != "content":
                text = part.get_text() or ""
                text_bytes += len(text)
                if text_bytes > MAX_FIELDS_BYTES:
                    raise UploadRefused(f"The form's fields must be at most {MAX_FIELDS_BYTES}"
                                        f" bytes in all.")
                fields.setdefault(part.name, text)
                continue
            distribution = validate_upload(fields, part.filename or "")
            uploader = authority.decide(token, distribution.normalized_name, req.context.now)
            if self.wiring.files.by_filename(distribution.filename):
                raise FileExists()
            stored = self.wiring.file_store.put(part.stream, self.wiring.settings.max_upload_bytes,
                                                check=_whole(distribution, parts))
            return uploader, distribution, stored
        raise UploadRefused("Upload payload does not have a file.")


def _whole(distribution, rest):
    """The store's last check of the file: the digests the uploader sent, then the rest of the
    form, read to its end, so that a body cut short (or longer than a form) keeps nothing."""
    def check(sha256: str, blake2_256: str) -> None:
        distribution.check_digests(sha256, blake2_256)
        for _part in rest:
            pass
    return check
