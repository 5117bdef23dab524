"""What is inside an uploaded wheel or sdist: a sane archive, and its own core metadata.

A wheel is a zip with `{name}-{version}.dist-info/METADATA` and `WHEEL`; an sdist a tar.gz with
one top-level directory holding `PKG-INFO`. Either is refused when it cannot be read, holds an
absolute or `..` path (or a link, device or sparse member in a tar), or unpacks to more than
`MAX_RATIO` times its size once past `RATIO_FROM_BYTES` (a decompression bomb); member sizes
are read from the headers, so a bomb is refused before it is unpacked.
"""

import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.metadata import parse_email
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wharf.uploads.errors import UploadRefused

MAX_RATIO = 50  # PyPI's threshold
RATIO_FROM_BYTES = 64 * 1024 * 1024  # archives unpacking to less are never bombs
MAX_METADATA_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class CoreMetadata:
    """The METADATA (wheel) or PKG-INFO (sdist) an archive carries, as its bytes."""
    content: bytes
    name: str
    version: Version

    def check_matches(self, normalized_name: str, version: Version) -> None:
        if canonicalize_name(self.name) != normalized_name:
            raise UploadRefused(f"The name in the file's metadata ({self.name!r}) does not match"
                                f" the name of the upload ({normalized_name!r}).")
        if self.version != version:
            raise UploadRefused(f"The version in the file's metadata ({str(self.version)!r})"
                                f" does not match the version of the upload"
                                f" ({str(version)!r}).")


def core_metadata(path: Path, filename: str) -> CoreMetadata:
    """Check the archive at `path` (uploaded as `filename`) and read its core metadata."""
    size = path.stat().st_size
    if filename.endswith(".whl"):
        return _parsed(_wheel_metadata(path, filename, size), "METADATA")
    return _parsed(_sdist_metadata(path, size), "PKG-INFO")


def _refused(reason: str) -> UploadRefused:
    return UploadRefused(f"Invalid distribution file. {reason}")


def _check_ratio(unpacked: int, packed: int) -> None:
    if unpacked > RATIO_FROM_BYTES and unpacked > MAX_RATIO * max(packed, 1):
        raise _refused(f"File exceeds compression ratio of {MAX_RATIO}.")


def _check_member_name(name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise _refused(f"The archive holds a path outside its directory: {name!r}.")


def _wheel_metadata(path: Path, filename: str, size: int) -> bytes:
    if not zipfile.is_zipfile(path):
        raise _refused("File is not a zipfile.")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_ratio(sum(member.file_size for member in members), size)
            for member in members:
                _check_member_name(member.filename)
                if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise _refused("File does not use a supported compression type.")
            name, version = filename.split("-")[:2]
            dist_info = f"{name}-{version}.dist-info"
            if f"{dist_info}/WHEEL" not in archive.namelist():
                raise _refused(f"WHEEL not found at {dist_info}/WHEEL.")
            return _read_zip_member(archive, f"{dist_info}/METADATA")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            RuntimeError, NotImplementedError, zlib.error):  # RuntimeError: an encrypted member
        raise _refused("File is not a readable zipfile.") from None


def _read_zip_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        member = archive.getinfo(name)
    except KeyError:
        raise _refused(f"METADATA not found at {name}.") from None
    if member.file_size > MAX_METADATA_BYTES:
        raise _refused(f"{name} is larger than {MAX_METADATA_BYTES} bytes.")
    return archive.read(member)


def _sdist_metadata(path: Path, size: int) -> bytes:
    """One pass over the tar's headers (the gzip stream is unpacked once, never past a bomb's
    announced sizes); PKG-INFO is read when its header comes by."""
    top, metadata, unpacked = None, None, 0
    try:
        with tarfile.open(path, mode="r|gz") as archive:
            for member in archive:
                unpacked += member.size
                _check_ratio(unpacked, size)
                _check_tar_member(member)
                first = PurePosixPath(member.name).parts[0]
                if top is not None and first != top:
                    raise _refused("Incorrect number of top-level directories in sdist.")
                top = first
                if member.name == f"{top}/PKG-INFO" and member.isfile():
                    metadata = _read_tar_member(archive, member)
    except (tarfile.TarError, OSError, EOFError, ValueError, UnicodeError, zlib.error):
        raise _refused("File is not a readable tar.gz file.") from None
    if top is None:
        raise _refused("The sdist is empty.")
    if metadata is None:
        raise _refused(f"PKG-INFO not found at {top}/PKG-INFO.")
    return metadata


def _check_tar_member(member: tarfile.TarInfo) -> None:
    _check_member_name(member.name)
    if member.issparse():
        raise _refused("Sparse members are not allowed.")
    if not (member.isfile() or member.isdir()):
        raise _refused(f"The archive holds a link or special file: {member.name!r}.")


def _read_tar_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if member.size > MAX_METADATA_BYTES:
        raise _refused(f"{member.name} is larger than {MAX_METADATA_BYTES} bytes.")
    return archive.extractfile(member).read()


def _parsed(content: bytes, label: str) -> CoreMetadata:
    try:
        raw, _unparsed = parse_email(content)
    except (ValueError, UnicodeError, TypeError, LookupError):
        raise _refused(f"The {label} file cannot be read.") from None
    name, version = raw.get("name"), raw.get("version")
    if not name or not version:
        raise _refused(f"The {label} file names no Name and Version.")
    try:
        return CoreMetadata(content, name, Version(version))
    except InvalidVersion:
        raise _refused(f"The {label} file's version {version!r} is not a PEP 440 version.") \
            from None
