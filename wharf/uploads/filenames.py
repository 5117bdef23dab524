"""A distribution file's name: safe to store and serve, of the declared kind, of this release.

`packaging` parses the names; this module only decides what to accept.
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

# sdists as PyPI takes them today (.zip too, PEP 527); wheels (PEP 427). No .exe, .egg, ...
EXTENSIONS = {"sdist": (".tar.gz", ".zip"), "bdist_wheel": (".whl",)}
# A valid wheel or sdist filename is ASCII: a PEP 503 name, a public PEP 440 version and tags.
# NOTE: never widen this; packaging lowercases Unicode ("\u212aey" is "key" once canonicalized).
SAFE_CHARACTERS = re.compile(r"[A-Za-z0-9._!-]+")
CONTROL_CHARACTERS = frozenset(chr(code) for code in [*range(32), 127])


def check_filename(filename: str, filetype: str, name: str, normalized_name: str,
                  version: Version) -> None:
    """Refuse a filename that is unsafe, of the wrong kind, or names another release."""
    _check_characters(filename)
    _check_extension(filename, filetype)
    try:
        if filetype == "bdist_wheel":
            file_name, file_version, _build, _tags = parse_wheel_filename(filename)
        else:
            file_name, file_version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as error:
        raise UploadRefused(f"{error}.") from None
    if file_name != normalized_name:
        raise UploadRefused(f"Start filename for {name!r} with "
                            f"{normalized_name.replace('-', '_')!r}.")
    if file_version != version:
        raise UploadRefused(f"Version in filename should be {str(version)!r} "
                            f"not {str(file_version)!r}.")


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
    extension = next((extension for extensions in EXTENSIONS.values()
                      for extension in extensions if filename.endswith(extension)), None)
    if extension is None:
        raise UploadRefused("Invalid file extension: Use .tar.gz, .whl or .zip extension. "
                            "See https://peps.python.org/pep-0527/ for more information.")
    if extension not in EXTENSIONS[filetype]:
        raise UploadRefused(f"Invalid file extension: Extension {extension} is invalid "
                            f"for filetype {filetype}.")
