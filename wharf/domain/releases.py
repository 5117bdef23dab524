"""A project's releases and their files, as part of the Project aggregate.

File names are unique across the whole index, forever (a `Claim`), as on PyPI. Within the
project the aggregate keeps each release's files, so an upload sees what is already there: a
release is its PEP 440 version (`1.0`, `1.0.0` and `01.0` are one release, named as it was
first uploaded), file names are compared in canonical form, a release has one sdist at most
and takes no new files 14 days after it was created.
"""

from datetime import datetime, timedelta
from uuid import UUID

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import FileRefused, Forbidden, InvalidInput
from wharf.domain.origin import Origin

UPLOAD_ROLES = ("Owner", "Maintainer")
RELEASE_OPEN_FOR = timedelta(days=14)
MIB = 1024 * 1024
MAX_FILE_LIMIT = 10 * 1024 * MIB  # the most an admin may allow one file of a project


def canonical_file(filename: str) -> str:
    """What a file name means: its kind, project, release and (wheels) build and tags, so
    `rel_x-1.0.tar.gz`, `REL_X-1.0.tar.gz`, `rel-x-1.0.0.tar.gz` and `rel_x-1.0.zip` are one."""
    try:
        if filename.endswith(".whl"):
            name, version, build, tags = parse_wheel_filename(filename)
            return (f"wheel {name} {canonicalize_version(version)} {build}"
                    f" {'.'.join(sorted(map(str, tags)))}")
        stem = filename.removesuffix(".tar.gz").removesuffix(".zip") + ".tar.gz"
        name, version = parse_sdist_filename(stem)
        return f"sdist {name} {canonicalize_version(version)}"
    except (InvalidWheelFilename, InvalidSdistFilename):
        return filename  # a name older releases took as it was


def is_sdist(filename: str) -> bool:
    return filename.endswith((".tar.gz", ".zip"))


class Releases:
    """The Project aggregate's releases: version -> list of file names."""

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class ReleaseAdded(WharfAggregate.Event):
        TOPIC = "wharf:project:release-added"
        version: str
        token_id: UUID | None

        def apply(self, project) -> None:
            project.releases[self.version] = []
            project.release_times[self.version] = self.timestamp

    class FileAdded(WharfAggregate.Event):
        TOPIC = "wharf:project:file-added"
        version: str
        filename: str
        packagetype: str
        size: int
        sha256: str
        blake2_256: str
        requires_python: str | None
        token_id: UUID | None
        metadata_sha256: str | None = None  # the core metadata file served beside a wheel
        publisher: dict | None = None  # a trusted publisher's upload: its id and the run's claims

        def apply(self, project) -> None:
            project.releases[self.version].append(self.filename)
            project.release_paths.setdefault(
                self.version, self.publisher["publisher_id"] if self.publisher else "token")

    class UploadLimitChanged(WharfAggregate.Event):
        TOPIC = "wharf:project:upload-limit-changed"
        max_file_bytes: int

        def apply(self, project) -> None:
            project.max_file_bytes = self.max_file_bytes

    @property
    def releases(self) -> dict[str, list[str]]:
        # Snapshots taken before releases existed lack the attribute.
        return self.__dict__.setdefault("_releases", {})

    @property
    def release_times(self) -> dict[str, datetime]:
        # Snapshots taken before release times were kept lack some: those releases stay open.
        return self.__dict__.setdefault("_release_times", {})

    @property
    def max_file_bytes(self) -> int | None:
        """The largest file an admin allowed this project; None: the index's default."""
        return self.__dict__.get("_max_file_bytes")

    @max_file_bytes.setter
    def max_file_bytes(self, value: int) -> None:
        self.__dict__["_max_file_bytes"] = value

    def can_upload(self, account_id: UUID) -> bool:
        return self.roles.get(str(account_id)) in UPLOAD_ROLES

    def release_of(self, version: str) -> str | None:
        """The release `version` belongs to, as it was first spelt; None if it is new."""
        try:
            wanted = canonicalize_version(version)
        except ValueError:  # a part too long for an int: no release can be named so
            return None
        return next((known for known in self.releases
                     if canonicalize_version(known) == wanted), None)

    def check_new_file(self, filename: str, version: str, at: datetime) -> None:
        """Refuse a file this project's releases cannot take, before its bytes are read."""
        release = self.release_of(version)
        if release is None:
            return
        created = self.release_times.get(release)
        if created is not None and at - created > RELEASE_OPEN_FOR:
            raise FileRefused(f"Uploading new files to releases older than "
                              f"{RELEASE_OPEN_FOR.days} days is not allowed.")
        files = self.releases[release]
        if is_sdist(filename) and any(is_sdist(known) for known in files):
            raise FileRefused("Only one sdist may be uploaded per release.")
        meaning = canonical_file(filename)
        taken = next((known for known in files if canonical_file(known) == meaning), None)
        if taken is not None:
            raise FileRefused(f"File already exists: {filename!r} names the same file as"
                              f" {taken!r} in release {release!r}.")

    def add_file(self, origin: Origin, distribution, stored, token_id: UUID | None,
                 metadata_sha256: str | None = None, publisher: dict | None = None) -> None:
        """`publisher`: made by a trusted publisher's run ({"publisher_id", "run"}), which
        must still be one of the project's; else by the origin's actor, who needs a role."""
        if publisher is not None and publisher["publisher_id"] not in self.publishers:
            raise Forbidden(f"the trusted publisher of this token was removed from project"
                            f" '{self.normalized_name}'")
        if publisher is None and not self.can_upload(origin.actor_id):
            raise Forbidden(f"you are not allowed to upload to project '{self.normalized_name}'")
        self.check_uploader(publisher)
        self.check_new_file(distribution.filename, distribution.version, origin.at)
        release = self.release_of(distribution.version)
        if release is None:
            release = distribution.version
            self.notice_release_path(origin, release, token_id, publisher)
            self._record(self.ReleaseAdded, origin, version=release, token_id=token_id)
        self._record(self.FileAdded, origin, version=release,
                     filename=distribution.filename, packagetype=distribution.filetype,
                     size=stored.size, sha256=stored.sha256, blake2_256=stored.blake2_256,
                     requires_python=distribution.requires_python, token_id=token_id,
                     metadata_sha256=metadata_sha256, publisher=publisher)

    def change_upload_limit(self, origin: Origin, max_file_bytes: int) -> None:
        """An admin's decision (from the command line): the largest file this project takes."""
        if not MIB <= max_file_bytes <= MAX_FILE_LIMIT:
            raise InvalidInput(f"a project's file size limit lies between 1 MiB and"
                               f" {MAX_FILE_LIMIT // MIB} MiB")
        self._record(self.UploadLimitChanged, origin, max_file_bytes=max_file_bytes)
