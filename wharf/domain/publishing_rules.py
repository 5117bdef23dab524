"""How a project's files may arrive, as part of the Project aggregate: "trusted publishing
only" (Owners refuse API-token uploads), and the release that breaks the project's usual path
(a token upload, or another publisher, where the recent releases came through trusted
publishers), recorded so that every Owner is told at once."""

from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, Forbidden
from wharf.domain.origin import Origin
from wharf.domain.publishers import MANAGE_PUBLISHERS

TOKEN = "token"  # a release's path when an API token uploaded its first file
RECENT = 3  # the releases whose paths make the usual one


class PublishingRules:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class TrustedPublishingOnlyChanged(WharfAggregate.Event):
        TOPIC = "wharf:project:trusted-publishing-only-changed"
        enabled: bool
        owners: list[str]  # account ids, emailed

        def apply(self, project) -> None:
            project.__dict__["_trusted_publishing_only"] = self.enabled

    class UnusualPublisherNoticed(WharfAggregate.Event):
        """A new release came another way than the project's recent ones."""
        TOPIC = "wharf:project:unusual-publisher-noticed"
        version: str
        token_id: UUID | None
        publisher: dict | None  # the trusted publisher's upload: its id and the run; else None
        usual: list[str]  # the publisher ids the recent releases came through
        owners: list[str]  # account ids, emailed

    @property
    def trusted_publishing_only(self) -> bool:
        return self.__dict__.get("_trusted_publishing_only", False)

    @property
    def release_paths(self) -> dict[str, str]:
        """Release -> how its first file came: a publisher id, or TOKEN (older snapshots:
        the releases before them have none, so they never make a path usual)."""
        return self.__dict__.setdefault("_release_paths", {})

    def require_trusted_publishing(self, origin: Origin, enabled: bool) -> None:
        self.check_owner(origin, MANAGE_PUBLISHERS)
        if enabled == self.trusted_publishing_only:
            raise Conflict(f"trusted publishing only is already {'on' if enabled else 'off'}"
                           f" for this project")
        if enabled and not self.publishers:
            raise Conflict("add a trusted publisher first: with none and tokens refused,"
                           " nothing could upload to this project")
        self._record(self.TrustedPublishingOnlyChanged, origin, enabled=enabled,
                     owners=list(self._owners()))

    def check_uploader(self, publisher: dict | None) -> None:
        if publisher is None and self.trusted_publishing_only:
            raise Forbidden(f"Project '{self.normalized_name}' accepts uploads from its trusted"
                            f" publishers only: an API token cannot upload to it. Publish"
                            f" from the project's CI workflow, or ask an Owner to turn"
                            f" trusted publishing only off.")

    def notice_release_path(self, origin: Origin, version: str, token_id: UUID | None,
                            publisher: dict | None) -> None:
        """Called for a new release's first file, before it is recorded."""
        recent = [self.release_paths.get(known) for known in list(self.releases)[-RECENT:]]
        path = publisher["publisher_id"] if publisher else TOKEN
        if recent and None not in recent and TOKEN not in recent and path not in recent:
            self._record(self.UnusualPublisherNoticed, origin, version=version,
                         token_id=token_id, publisher=publisher,
                         usual=sorted(set(recent)), owners=list(self._owners()))
