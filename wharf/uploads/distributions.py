"""One uploaded file's form metadata, checked against its filename; `packaging` does the parsing.

The form is the one twine and uv send to `POST /legacy/`. Each refusal is an `UploadRefused`
whose message is written for the uploader: the HTTP layer puts it in the reason phrase (twine
prints that) and in the body (uv prints that) of a 400.
"""

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import Metadata
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from wharf.domain.errors import InvalidInput
from wharf.domain.names import project_key
from wharf.uploads.archives import CoreMetadata, core_metadata
from wharf.uploads.errors import UploadRefused
from wharf.uploads.filenames import EXTENSIONS, check_filename

__all__ = ["Distribution", "UploadRefused", "validate_upload"]

HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
UNPAIRED_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Distribution:
    name: str
    normalized_name: str
    version: str
    filename: str
    filetype: str
    requires_python: str | None
    sha256_digest: str
    blake2_256_digest: str | None

    def check_contents(self, path: Path) -> CoreMetadata:
        """The archive's own metadata, refused unless it is sane and names this release."""
        metadata = core_metadata(path, self.filename)
        metadata.check_matches(self.normalized_name, Version(self.version))
        return metadata

    def check_digests(self, sha256: str, blake2_256: str) -> None:
        """Refuse unless the digests the uploader sent are those of the bytes received."""
        pairs = [(self.sha256_digest, sha256), (self.blake2_256_digest, blake2_256)]
        if not all(hmac.compare_digest(sent, computed) for sent, computed in pairs if sent):
            raise UploadRefused("The digest supplied does not match a digest calculated "
                                "from the uploaded file.")


def validate_upload(form: Mapping[str, str], filename: str) -> Distribution:
    """The distribution the form and filename describe, or `UploadRefused` saying what is wrong."""
    _check_storable(form)
    _check_action(form)
    name, normalized_name = _name(form)
    version = _version(form)
    _check_metadata_version(form, name, version)
    filetype = _filetype(form)
    _check_pyversion(form, filetype)
    sha256, blake2_256 = _digest(form, "sha256", "SHA256"), _digest(form, "blake2_256", "blake2")
    requires_python = _requires_python(form)
    check_filename(filename, filetype, name, normalized_name, version)
    return Distribution(name, normalized_name, str(version), filename, filetype,
                        requires_python, sha256, blake2_256)


def _check_storable(form: Mapping[str, str]) -> None:
    """No field may hold what the log's text cannot: a NUL, or an unpaired surrogate."""
    for field, value in form.items():
        if "\x00" in value or UNPAIRED_SURROGATE.search(value):
            raise _invalid(field, "Must not contain the NUL character or unpaired surrogates.")


def _check_action(form: Mapping[str, str]) -> None:
    """Refuse any action but `file_upload` and any protocol but version 1."""
    action = form.get(":action", "")
    if action != "file_upload":
        raise UploadRefused(f"Unsupported action {action!r}: only 'file_upload' is supported.")
    if form.get("protocol_version", "1") != "1":
        raise UploadRefused("Unknown protocol version: only protocol_version '1' is supported.")


def _invalid(field: str, error: str) -> UploadRefused:
    return UploadRefused(f"Invalid value for {field}. Error: {error[0].upper()}"
                         f"{error[1:].rstrip('.')}.")


def _required(form: Mapping[str, str], field: str) -> str:
    value = form.get(field) or ""
    if not value:
        raise _invalid(field, "This field is required.")
    return value


def _name(form: Mapping[str, str]) -> tuple[str, str]:
    name = _required(form, "name")
    try:
        return name, project_key(name)
    except InvalidInput as error:
        raise _invalid("name", error.detail) from None


def _version(form: Mapping[str, str]) -> Version:
    given = _required(form, "version")
    try:
        version = Version(given)
    except InvalidVersion:
        raise _invalid("version", f"{given!r} is not a valid PEP 440 version") from None
    if version.local is not None:
        raise _invalid("version", f"Cannot use PEP 440 local versions ({given!r})")
    return version


def _check_metadata_version(form: Mapping[str, str], name: str, version: Version) -> None:
    raw = {"metadata_version": _required(form, "metadata_version"),
           "name": name, "version": str(version)}
    try:
        Metadata.from_raw(raw)
    except ExceptionGroup as errors:
        raise _invalid("metadata_version", str(errors.exceptions[0])) from None


def _filetype(form: Mapping[str, str]) -> str:
    filetype = _required(form, "filetype")
    if filetype not in EXTENSIONS:
        raise _invalid("filetype", "Use a known file type: 'sdist' or 'bdist_wheel'")
    return filetype


def _check_pyversion(form: Mapping[str, str], filetype: str) -> None:
    pyversion = form.get("pyversion") or ""
    if filetype == "sdist" and pyversion not in ("", "source"):
        raise _invalid("pyversion", "The only valid Python version for a sdist is 'source'")
    if filetype != "sdist" and not pyversion:
        raise _invalid("pyversion", "Python version is required for binary distribution uploads")


def _digest(form: Mapping[str, str], algorithm: str, label: str) -> str | None:
    field = f"{algorithm}_digest"
    digest = _required(form, field) if algorithm == "sha256" else form.get(field) or None
    if digest is not None and not HEX_DIGEST.fullmatch(digest):
        raise _invalid(field, f"Must be a valid, hex encoded, {label} message digest")
    return digest.lower() if digest else None


def _requires_python(form: Mapping[str, str]) -> str | None:
    given = form.get("requires_python") or ""
    try:
        return str(SpecifierSet(given)) or None
    except InvalidSpecifier:
        raise _invalid("requires_python",
                       f"{given!r} is not a valid PEP 440 version specifier") from None
