"""Taking releases and files down, as part of the Project aggregate: PEP 592 yanks and removals.

Owners only, each with a reason. A yanked release stays in the index, marked, so installers
skip it unless it is pinned (`==`); un-yanking restores it. A removed file or release is gone
from the index and from downloads, but its file names stay claimed forever (claim.py): a name
never carries other bytes. Each event names the collaborators of that moment, who are emailed,
so a rebuilt outbox writes to the same people and never to someone who joined later.
"""

from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, InvalidInput, NotFound
from wharf.domain.origin import Origin

REASON = 500  # characters
TAKE_DOWN = "yank or remove its releases and files"  # what only an Owner may


class Takedowns:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class ReleaseYanked(WharfAggregate.Event):
        TOPIC = "wharf:project:release-yanked"
        version: str
        reason: str
        collaborators: list[str]  # account ids
        containment_id: UUID | None = None  # a containment's yank (containment.py)

        def apply(self, project) -> None:
            project.yanked[self.version] = self.reason

    class ReleaseUnyanked(WharfAggregate.Event):
        TOPIC = "wharf:project:release-unyanked"
        version: str
        reason: str
        collaborators: list[str]

        def apply(self, project) -> None:
            del project.yanked[self.version]

    class ReleaseRemoved(WharfAggregate.Event):
        TOPIC = "wharf:project:release-removed"
        version: str
        filenames: list[str]
        reason: str
        collaborators: list[str]

        def apply(self, project) -> None:
            del project.releases[self.version]
            project.release_times.pop(self.version, None)
            project.yanked.pop(self.version, None)

    class FileRemoved(WharfAggregate.Event):
        TOPIC = "wharf:project:file-removed"
        version: str
        filename: str
        reason: str
        collaborators: list[str]

        def apply(self, project) -> None:
            project.releases[self.version].remove(self.filename)

    @property
    def yanked(self) -> dict[str, str]:
        """Yanked release -> the reason given."""
        return self.__dict__.setdefault("_yanked", {})  # older snapshots lack it

    def yank_release(self, origin: Origin, version: str, reason: str) -> None:
        release = self._taken_down(origin, version, reason)
        if release in self.yanked:
            raise Conflict(f"release {release!r} is already yanked")
        self._record(self.ReleaseYanked, origin, version=release, reason=reason,
                     collaborators=self._collaborators())

    def yank_contained(self, origin: Origin, version: str, reason: str,
                       containment_id: UUID) -> bool:
        """A containment's yank, authorised by the containment (the uploading credential's
        account, or an admin) rather than by a role here; False when nothing is left to yank."""
        release = self.release_of(version)
        if release is None or release in self.yanked:
            return False
        self._record(self.ReleaseYanked, origin, version=release, reason=reason,
                     collaborators=self._collaborators(), containment_id=containment_id)
        return True

    def unyank_release(self, origin: Origin, version: str, reason: str) -> None:
        release = self._taken_down(origin, version, reason)
        if release not in self.yanked:
            raise Conflict(f"release {release!r} is not yanked")
        self._record(self.ReleaseUnyanked, origin, version=release, reason=reason,
                     collaborators=self._collaborators())

    def remove_release(self, origin: Origin, version: str, confirm: str, reason: str) -> None:
        release = self._taken_down(origin, version, reason)
        if confirm not in (version, release):
            raise InvalidInput(f"type the release's version, {release!r}, to confirm that"
                               f" it and its files are removed for good")
        self._record(self.ReleaseRemoved, origin, version=release,
                     filenames=list(self.releases[release]), reason=reason,
                     collaborators=self._collaborators())

    def remove_file(self, origin: Origin, filename: str, confirm: str, reason: str) -> None:
        self.check_owner(origin, TAKE_DOWN)
        release = next((version for version, files in self.releases.items()
                        if filename in files), None)
        if release is None:
            raise NotFound("this project has no such file")
        _check_reason(reason)
        if confirm != filename:
            raise InvalidInput(f"type the file's name, {filename!r}, to confirm that it is"
                               f" removed for good")
        self._record(self.FileRemoved, origin, version=release, filename=filename,
                     reason=reason, collaborators=self._collaborators())

    def _taken_down(self, origin: Origin, version: str, reason: str) -> str:
        self.check_owner(origin, TAKE_DOWN)
        release = self.release_of(version)
        if release is None:
            raise NotFound("this project has no such release")
        _check_reason(reason)
        return release

    def _collaborators(self) -> list[str]:
        return sorted(self.roles)


def _check_reason(reason: str) -> None:
    if not reason.strip() or len(reason) > REASON:
        raise InvalidInput(f"give a reason, of at most {REASON} characters")
