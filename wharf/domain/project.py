"""The Project aggregate: a name, who holds which role on it, (invitations.py) who is invited
to one, (releases.py) its files, (takedowns.py) their yanks and removals, (publishers.py) its
trusted publishers and (publishing_rules.py) how its files may arrive."""

from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Forbidden, InvalidInput, LastOwner, NotFound
from wharf.domain.invitations import Invitations
from wharf.domain.origin import Origin
from wharf.domain.publishers import Publishers
from wharf.domain.publishing_rules import PublishingRules
from wharf.domain.releases import Releases
from wharf.domain.takedowns import Takedowns

OWNER = "Owner"
MAINTAINER = "Maintainer"
MANAGE_ROLES = "manage its roles"  # what only an Owner may
ROLES = (OWNER, MAINTAINER)


class Project(Invitations, PublishingRules, Publishers, Takedowns, Releases, WharfAggregate):
    TOPIC = "wharf:project"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:project:created"
        name: str
        normalized_name: str
        owner_id: UUID
        owner_username: str

        def apply(self, project: "Project") -> None:
            project.name = self.name
            project.normalized_name = self.normalized_name
            project.roles = {str(self.owner_id): OWNER}

    class RoleGranted(WharfAggregate.Event):
        """Recorded when an invitation is accepted (invitations.py), after InvitationAccepted."""
        TOPIC = "wharf:project:role-granted"
        account_id: UUID
        username: str
        role: str
        owners: tuple[str, ...] = ()  # the Owners then, emailed with the person (older: none)

        def apply(self, project: "Project") -> None:
            project.roles[str(self.account_id)] = self.role

    class RoleChanged(WharfAggregate.Event):
        TOPIC = "wharf:project:role-changed"
        account_id: UUID
        username: str
        role: str
        owners: tuple[str, ...] = ()

        def apply(self, project: "Project") -> None:
            project.roles[str(self.account_id)] = self.role

    class RoleRestored(RoleGranted):
        """A containment gave back a role its credential removed: no invitation, since the
        holder never chose to lose it (containment.py)."""
        TOPIC = "wharf:project:role-restored"
        containment_id: UUID | None = None  # always set; a default, as RoleGranted has one

    class RoleRemoved(WharfAggregate.Event):
        TOPIC = "wharf:project:role-removed"
        account_id: UUID
        username: str
        owners: tuple[str, ...] = ()
        containment_id: UUID | None = None  # removed by a containment (containment.py)

        def apply(self, project: "Project") -> None:
            del project.roles[str(self.account_id)]

    class TokenScoped(WharfAggregate.Event):
        """An API token scoped to this project was minted. Recorded here too, so that minting
        and removing its owner's role write the same version of this aggregate: whichever
        comes second sees the first (the mint is refused, or the removal revokes the token)."""
        TOPIC = "wharf:project:token-scoped"
        token_id: UUID
        account_id: UUID

        def apply(self, project: "Project") -> None:
            project.scoped_tokens.setdefault(str(self.account_id), []).append(
                str(self.token_id))

    @classmethod
    def create(cls, origin: Origin, project_id: UUID, name: str, normalized_name: str,
               owner_username: str) -> "Project":
        return cls._open(cls.Created, origin, project_id, name=name,
                         normalized_name=normalized_name, owner_id=origin.actor_id,
                         owner_username=owner_username)

    def change_role(self, origin: Origin, account_id: UUID, username: str, role: str) -> None:
        self.check_owner(origin, MANAGE_ROLES)
        self.check_role(role)
        current = self._role_of(account_id, username)
        if current == role:
            return
        if current == OWNER:
            self._check_not_last_owner()
        self._record(self.RoleChanged, origin, account_id=account_id, username=username,
                     role=role, owners=self._owners())

    def remove_role(self, origin: Origin, account_id: UUID, username: str) -> None:
        self.check_owner(origin, MANAGE_ROLES)
        if self._role_of(account_id, username) == OWNER:
            self._check_not_last_owner()
        self._record(self.RoleRemoved, origin, account_id=account_id, username=username,
                     owners=self._owners())

    def restore_role(self, origin: Origin, account_id: UUID, username: str, role: str,
                     containment_id: UUID) -> bool:
        """A containment gives back a removed role; False when the account holds one again."""
        self.check_role(role)
        if str(account_id) in self.roles:
            return False
        self._record(self.RoleRestored, origin, account_id=account_id, username=username,
                     role=role, owners=self._owners(), containment_id=containment_id)
        return True

    def remove_contained_role(self, origin: Origin, account_id: UUID, username: str,
                              containment_id: UUID) -> bool:
        """A containment takes back a role its credential gave; False when it is gone. Never
        the last Owner: the project would be nobody's."""
        if str(account_id) not in self.roles:
            return False
        if self.roles[str(account_id)] == OWNER:
            self._check_not_last_owner()
        self._record(self.RoleRemoved, origin, account_id=account_id, username=username,
                     owners=self._owners(), containment_id=containment_id)
        return True

    def scope_token(self, origin: Origin, token_id: UUID) -> None:
        if not self.can_upload(origin.actor_id):
            raise Forbidden(f"you cannot upload to project '{self.normalized_name}', so no"
                            f" token can")
        self._record(self.TokenScoped, origin, token_id=token_id, account_id=origin.actor_id)

    @property
    def scoped_tokens(self) -> dict[str, list[str]]:
        """Account id -> ids of the tokens scoped to this project it minted (since this
        event existed; the api_tokens view knows the older ones)."""
        return self.__dict__.setdefault("_scoped_tokens", {})  # older snapshots lack it

    def check_owner(self, origin: Origin, doing: str) -> None:
        """Only Owners act on a project as a whole; checked before anything is looked up."""
        if self.roles.get(str(origin.actor_id)) != OWNER:
            raise Forbidden(f"only an Owner of this project can {doing}")

    @staticmethod
    def check_role(role: str) -> None:
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}")

    def _role_of(self, account_id: UUID, username: str) -> str:
        try:
            return self.roles[str(account_id)]
        except KeyError:
            raise NotFound(f"{username} has no role on this project") from None

    def _owners(self) -> tuple[str, ...]:
        return tuple(sorted(a for a, role in self.roles.items() if role == OWNER))

    def _check_not_last_owner(self) -> None:
        if list(self.roles.values()).count(OWNER) == 1:
            raise LastOwner("the last Owner of a project cannot be removed or demoted")
