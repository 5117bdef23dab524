"""POST /legacy/: the upload API twine and uv speak (multipart form, API token as password).

Refusals carry their message in the reason phrase (twine prints it) and in the body (uv prints
it). The file is streamed into the file store, never held whole in memory, and kept only once
its digests match what the uploader sent and the archive passed its checks (sane, and its own
metadata names this release); a wheel's METADATA is stored beside it (PEP 658). Uploading the
identical file again (same name, same SHA-256) answers 200 and records nothing, as PyPI does.
"""

import hashlib
import io

import falcon
from falcon.util.mediatypes import parse_header

from wharf.domain.errors import FileRefused
from wharf.domain.switches import READ_ONLY, UPLOADS_OFF
from wharf.files import record_while_present
from wharf.http.auth import origin_of
from wharf.http.body import media_type, multipart_form
from wharf.http.endpoint import API_TOKEN, Endpoint
from wharf.http.errors import Problem
from wharf.http.resources import Resource
from wharf.uploads.archives import MAX_METADATA_BYTES
from wharf.uploads.distributions import UploadRefused, validate_upload
from wharf.uploads.storage import FileStoreUnavailable, FileTooLarge, Hashing, Received

MULTIPART = "multipart/form-data"
MAX_FIELDS_BYTES = 4 * 1024 * 1024  # metadata, README included; the file itself is streamed
MIB = 1024 * 1024
UTF8_CHARSETS = ("utf-8", "utf8", "us-ascii", "ascii")  # ASCII is UTF-8 too


class LegacyUploadResource(Resource):
    stopped_by = (READ_ONLY, UPLOADS_OFF)
    endpoints = {
        "POST": Endpoint(API_TOKEN, "Upload a distribution file, as twine and uv do: a"
                         " multipart form, the API token as Basic password of `__token__`",
                         200, errors=(400, 403, 411, 413, 429, 503)),
    }

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        authority, token = self.wiring.upload_authority, req.context.api_token
        authority.authenticate(token, req.context.now)  # no body is read for a token unfit now
        if media_type(req) != MULTIPART:
            raise UploadRefused(f"Send the upload as {MULTIPART}.")
        if req.content_length is None:  # Falcon's multipart parser needs it; twine and uv send it
            raise Problem(falcon.HTTP_411, "length_required", "send a Content-Length header")
        received = self._receive(req, authority, token)
        if received is not None:
            uploader, distribution, stored, metadata_sha256 = received
            origin = origin_of(req).acting_as(uploader.account_id, uploader.token_id)
            record_while_present(
                self.wiring.file_store, self.app.mutex, [stored.key, metadata_sha256],
                lambda: self.app.add_file(origin, uploader, distribution, stored,
                                          metadata_sha256))
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "OK"

    def _receive(self, req: falcon.Request, authority, token: str):
        """Read the form: metadata fields first, then the file, checked before it is kept.
        None: the identical file was uploaded before."""
        fields: dict[str, str] = {}
        text_bytes = 0
        parts = iter(multipart_form(req))
        for part in parts:
            if part.name != "content":
                text = _text(part)
                text_bytes += len(text)
                if text_bytes > MAX_FIELDS_BYTES:
                    raise UploadRefused(f"The form's fields must be at most {MAX_FIELDS_BYTES}"
                                        f" bytes in all.")
                fields.setdefault(part.name, text)
                continue
            distribution = validate_upload(fields, part.filename or "")
            uploader = authority.decide(token, distribution.normalized_name, req.context.now)
            limit = self.app.upload_limit(distribution.normalized_name,
                                          self.wiring.settings.max_upload_bytes)
            existing = self.wiring.files.by_filename(distribution.filename)
            if existing is not None:
                _check_identical(existing, distribution, part.stream, parts, limit)
                return None
            self.app.check_new_file(distribution, uploader, req.context.now)
            checks = _Checks(distribution, parts)
            try:
                stored = self.wiring.file_store.put(part.stream, distribution.sha256_digest,
                                                    limit, check=checks)
            except FileTooLarge:
                raise _too_large(distribution, limit) from None
            except FileStoreUnavailable:
                _drain(part.stream, parts, limit)  # so the client gets to read the 503
                raise
            return uploader, distribution, stored, self._store_metadata(checks)
        raise UploadRefused("Upload payload does not have a file.")

    def _store_metadata(self, checks: "_Checks") -> str | None:
        """A wheel's METADATA, stored by its own SHA-256 (PEP 658 serves it beside the file)."""
        if checks.distribution.filetype != "bdist_wheel":
            return None
        content = checks.metadata.content
        return self.wiring.file_store.put(io.BytesIO(content), hashlib.sha256(content).hexdigest(),
                                          MAX_METADATA_BYTES).key

def _text(part) -> str:
    """A field's text, decoded as UTF-8 only: a part may name any codec Python knows as its
    charset (`unicode_escape` turns `\\x00` or `\\ud800` into the real thing), and twine and uv
    send UTF-8, or no charset at all."""
    _, options = parse_header(part.content_type or "text/plain")
    if options.get("charset", "utf-8").lower() not in UTF8_CHARSETS:
        raise UploadRefused("Send every form field as UTF-8 text (charset=utf-8).")
    return part.get_text() or ""


class _Checks:
    """The store's last check of the file: the digests the uploader sent, the archive and its
    metadata, then the rest of the form, read to its end, so that a body cut short (or longer
    than a form) keeps nothing."""

    def __init__(self, distribution, rest):
        self.distribution, self._rest = distribution, rest
        self.metadata = None

    def __call__(self, received: Received) -> None:
        self.distribution.check_digests(received.sha256, received.blake2_256)
        self.metadata = self.distribution.check_contents(received.path)
        for _part in self._rest:
            pass


def _check_identical(existing: dict, distribution, stream, rest, limit: int) -> None:
    """The name is taken: fine if the bytes are those it names (PyPI answers 200 and keeps
    nothing new), else refused. Identical bytes are hashed, never stored again."""
    refused = FileRefused(f"File already exists ({distribution.filename!r}, with sha256 hash"
                          f" {existing['sha256']!r}). A file name can be used only once.")
    if distribution.sha256_digest != existing["sha256"]:
        raise refused
    hashing = Hashing(stream, _Discard(), limit)
    for _chunk in hashing.chunks():
        pass
    received = hashing.received(None)
    distribution.check_digests(received.sha256, received.blake2_256)
    for _part in rest:
        pass


def _drain(stream, rest, limit: int) -> None:
    """Read the rest of the body (no more than a file and a form) and drop it."""
    try:
        hashing = Hashing(stream, _Discard(), limit)
        for _chunk in hashing.chunks():
            pass
        for _part in rest:
            pass
    except Exception:  # the client went away, or sent too much: the 503 stands
        pass


class _Discard:
    def write(self, chunk: bytes) -> None:
        pass

    def flush(self) -> None:
        pass


def _too_large(distribution, limit: int) -> FileTooLarge:
    shown = f"{limit // MIB} MB" if limit % MIB == 0 else f"{limit} bytes"
    return FileTooLarge(limit, f"File too large. Limit for project {distribution.name!r} is"
                               f" {shown}.")
