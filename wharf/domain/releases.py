"""A project's releases and their files, as part of the Project aggregate.

File names are unique across the whole index, forever (a `Claim`), as on PyPI; within the
project the aggregate keeps each release's files so an upload sees what is already there.
"""

from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Forbidden
from wharf.domain.origin import Origin

UPLOAD_ROLES = ("Owner", "Maintainer")


class Releases:
    """The Project aggregate's releases: version -> list of file names."""

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class ReleaseAdded(WharfAggregate.Event):
        TOPIC = "wharf:project:release-added"
        version: str
        token_id: UUID | None

        def apply(self, project) -> None:
            project.releases[self.version] = []

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

        def apply(self, project) -> None:
            project.releases[self.version].append(self.filename)

    @property
    def releases(self) -> dict[str, list[str]]:
        # Snapshots taken before releases existed lack the attribute.
        return self.__dict__.setdefault("_releases", {})

    def can_upload(self, account_id: UUID) -> bool:
        return self.roles.get(str(account_id)) in UPLOAD_ROLES

    def add_file(self, origin: Origin, distribution, stored, token_id: UUID | None) -> None:
        if not self.can_upload(origin.actor_id):
            raise Forbidden(f"you are not allowed to upload to project '{self.normalized_name}'")
        if distribution.version not in self.releases:
            self._record(self.ReleaseAdded, origin, version=distribution.version,
                         token_id=token_id)
        self._record(self.FileAdded, origin, version=distribution.version,
                     filename=distribution.filename, packagetype=distribution.filetype,
                     size=stored.size, sha256=stored.sha256, blake2_256=stored.blake2_256,
                     requires_python=distribution.requires_python, token_id=token_id)
