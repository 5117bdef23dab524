"""Role invitations, as part of the Project aggregate: an Owner invites, the invitee accepts
(and only then holds the role), declines, or an Owner revokes the invitation; it lapses after
7 days. The emailed link is an HMAC over the project's id and the invitation's nonce
(wharf/security/tokens.py), so no usable link is ever stored; answering ends the invitation, so
a link works once.
"""

import hmac
from datetime import datetime, timedelta
from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, Forbidden, InvalidToken, NotFound
from wharf.domain.origin import Origin

INVITATION_LIFETIME = timedelta(days=7)
DEAD_INVITATION_LINK = ("this invitation link is invalid, or its invitation was already"
                        " accepted, declined, revoked or replaced")


class InvitationExpired(Conflict):
    code = "invitation_expired"


class Invitations:
    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class RoleInvited(WharfAggregate.Event):
        TOPIC = "wharf:project:role-invited"
        account_id: UUID
        username: str
        role: str
        nonce: str  # what the emailed link is signed over; not itself a link
        expires_at: datetime
        owners: tuple[str, ...]  # the Owners then, told of the invitation

        def apply(self, project) -> None:
            project.invitations[str(self.account_id)] = {
                "username": self.username, "role": self.role, "nonce": self.nonce,
                "expires_at": self.expires_at}

    class InvitationAccepted(WharfAggregate.Event):
        """Always followed, in the same save, by the RoleGranted it brings."""
        TOPIC = "wharf:project:invitation-accepted"
        account_id: UUID
        username: str
        role: str

        def apply(self, project) -> None:
            project.invitations.pop(str(self.account_id))

    class InvitationDeclined(WharfAggregate.Event):
        TOPIC = "wharf:project:invitation-declined"
        account_id: UUID
        username: str
        role: str
        owners: tuple[str, ...]

        def apply(self, project) -> None:
            project.invitations.pop(str(self.account_id))

    class InvitationRevoked(WharfAggregate.Event):
        TOPIC = "wharf:project:invitation-revoked"
        account_id: UUID
        username: str
        role: str
        owners: tuple[str, ...]
        containment_id: UUID | None = None  # revoked by a containment (containment.py)

        def apply(self, project) -> None:
            project.invitations.pop(str(self.account_id))

    @property
    def invitations(self) -> dict[str, dict]:
        """Invitee account id -> the invitation waiting for their answer (expired included)."""
        return self.__dict__.setdefault("_invitations", {})  # older snapshots lack it

    def invite(self, origin: Origin, account_id: UUID, username: str, role: str,
               nonce: str) -> None:
        """Invite someone to a role; a lapsed invitation of theirs may be replaced."""
        self.check_owner(origin, "invite people to roles")
        self.check_role(role)
        if str(account_id) in self.roles:
            raise Conflict(f"{username} already has a role on this project")
        waiting = self.invitations.get(str(account_id))
        if waiting and origin.at < waiting["expires_at"]:
            raise Conflict(f"{username} already has a pending invitation to this project")
        self._record(self.RoleInvited, origin, account_id=account_id, username=username,
                     role=role, nonce=nonce, expires_at=origin.at + INVITATION_LIFETIME,
                     owners=self._owners())

    def accept_invitation(self, origin: Origin) -> None:
        """The invitee accepts: the invitation ends and the role is theirs."""
        invitation = self._invitation_to(origin.actor_id)
        if origin.at >= invitation["expires_at"]:
            raise InvitationExpired("this invitation has expired; ask an Owner for a new one")
        fields = {"account_id": origin.actor_id, "username": invitation["username"],
                  "role": invitation["role"]}
        self._record(self.InvitationAccepted, origin, **fields)
        self._record(self.RoleGranted, origin, **fields, owners=self._owners())

    def decline_invitation(self, origin: Origin) -> None:
        invitation = self._invitation_to(origin.actor_id)
        self._record(self.InvitationDeclined, origin, account_id=origin.actor_id,
                     username=invitation["username"], role=invitation["role"],
                     owners=self._owners())

    def revoke_invitation(self, origin: Origin, account_id: UUID, username: str) -> None:
        self.check_owner(origin, "revoke its invitations")
        invitation = self.invitations.get(str(account_id))
        if invitation is None:
            raise NotFound(f"{username} has no pending invitation to this project")
        self._record(self.InvitationRevoked, origin, account_id=account_id,
                     username=invitation["username"], role=invitation["role"],
                     owners=self._owners())

    def revoke_contained_invitation(self, origin: Origin, account_id: UUID,
                                    containment_id: UUID) -> bool:
        """A containment revokes an invitation its credential sent; False when none waits."""
        invitation = self.invitations.get(str(account_id))
        if invitation is None:
            return False
        self._record(self.InvitationRevoked, origin, account_id=account_id,
                     username=invitation["username"], role=invitation["role"],
                     owners=self._owners(), containment_id=containment_id)
        return True

    def check_invitation_link(self, origin: Origin, nonce: str) -> None:
        """A genuine link names a live invitation, and only its invitee may answer it."""
        found = [(account_id, i) for account_id, i in self.invitations.items()
                 if hmac.compare_digest(i["nonce"], nonce)]
        if not found:
            raise InvalidToken(DEAD_INVITATION_LINK)
        if found[0][0] != str(origin.actor_id):
            raise Forbidden("this invitation is for another account; log in as its invitee")

    def _invitation_to(self, account_id: UUID | None) -> dict:
        try:
            return self.invitations[str(account_id)]
        except KeyError:
            raise NotFound("you have no pending invitation to this project") from None
