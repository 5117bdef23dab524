"""A distribution file's name: safe to store and serve, of the declared kind, of this release,
spelled as PyPI requires of new uploads.

`packaging` parses the names; this module only decides what to accept: an sdist is exactly
`{name}-{version}.tar.gz` (PEP 625: the normalised name with underscores, the normalised
version), a wheel starts with that name, carries the release's version and only platform tags
PyPI accepts (`platform_tags.py`).
"""

import re

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from wharf.uploads.errors import UploadRefused
from wharf.uploads.platform_tags import allowed_platform

# sdists as PyPI takes new ones (PEP 625: .tar.gz only; older .zip files stay served); wheels
# (PEP 427). No .exe, .egg, ...
EXTENSIONS = {"sdist": (".tar.gz",), "bdist_wheel": (".whl",)}
KNOWN_EXTENSIONS = (".tar.gz", ".zip", ".whl")
# A valid wheel or sdist filename is ASCII: a PEP 503 name, a public PEP 440 version and tags.
# NOTE: never widen this; packaging lowercases Unicode ("\u212aey" is "key" once canonicalized).
SAFE_CHARACTERS = re.compile(r"[A-Za-z0-9._!-]+")
CONTROL_CHARACTERS = frozenset(chr(code) for code in [*range(32), 127])


def check_filename(filename: str, filetype: str, name: str, normalized_name: str,
                  version: Version) -> None:
    """Refuse a filename that is unsafe, of the wrong kind, or names another release."""
    _check_characters(filename)
    _check_extension(filename, filetype)
    tags = frozenset()
    try:
        if filetype == "bdist_wheel":
            file_name, file_version, _build, tags = parse_wheel_filename(filename)
        else:
            file_name, file_version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as error:
        raise UploadRefused(f"{error}.") from None
    stem = normalized_name.replace("-", "_")
    if file_name != normalized_name:
        raise UploadRefused(f"Start filename for {name!r} with {stem!r}.")
    if file_version != version:
        raise UploadRefused(f"Version in filename should be {str(version)!r} "
                            f"not {str(file_version)!r}.")
    if filetype == "sdist" and filename != f"{stem}-{version}.tar.gz":
        raise UploadRefused(f"Filename {filename!r} is invalid, should be "
                            f"{f'{stem}-{version}.tar.gz'!r}.")
    if filetype == "bdist_wheel":
        _check_wheel(filename, stem, tags)


def _check_wheel(filename: str, stem: str, tags) -> None:
    name_in_filename = filename.split("-", 1)[0]
    if name_in_filename != stem:
        raise UploadRefused(f"Filename {filename!r} should contain the normalized project name"
                            f" {stem!r}, not {name_in_filename!r}.")
    for tag in sorted(tags, key=str):
        if not allowed_platform(tag.platform):
            raise UploadRefused(f"Binary wheel {filename!r} has an unsupported platform tag"
                                f" {tag.platform!r}.")


def _check_characters(filename: str) -> None:
    if not filename:
        raise UploadRefused("Upload payload does not have a file.")
    if CONTROL_CHARACTERS.intersection(filename):
        raise UploadRefused("Cannot upload a file with non-printable characters (ordinals 0-31) "
                            "or the DEL character (ordinal 127) in the name.")
    if "/" in filename or "\\" in filename:
        raise UploadRefused("Cannot upload a file with '/' or '\\' in the name.")
    if not SAFE_CHARACTERS.fullmatch(filename):
        odd = next(char for char in filename if not SAFE_CHARACTERS.fullmatch(char))
        raise UploadRefused(f"Cannot upload a file with {odd!r} in the name: use ASCII letters, "
                            "digits, '.', '_', '-' and '!'.")


def _check_extension(filename: str, filetype: str) -> None:
    extension = next((extension for extension in KNOWN_EXTENSIONS
                      if filename.endswith(extension)), None)
    if extension is None:
        raise UploadRefused("Invalid file extension: Use .tar.gz, .whl or .zip extension. "
                            "See https://peps.python.org/pep-0527/ for more information.")
    if extension not in EXTENSIONS[filetype]:
        only = (" Only .tar.gz sdists are accepted (PEP 625)."
                if (filetype, extension) == ("sdist", ".zip") else "")
        raise UploadRefused(f"Invalid file extension: Extension {extension} is invalid "
                            f"for filetype {filetype}.{only}")
