"""Log-ins from new devices, on the Account aggregate: held until an emailed link confirms them.

A TOTP code or a recovery code can be phished and relayed from the phisher's own address; a
security key cannot. So a log-in that passes its second step with one of the first two, from an
address this account has never logged in from, opens no session: it is held, and a link is
emailed. Followed from the same address within CONFIRM_WITHIN, the link opens the session
there, once; a password change, a freeze or a completed recovery kills it first. The link
derives from the hold's nonce with the server secret (VerificationTokens, purpose
b"new-device"): no usable link is stored anywhere.
"""

from datetime import datetime, timedelta
from uuid import UUID

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import DeviceElsewhere, InvalidToken
from wharf.domain.origin import Origin

CONFIRM_WITHIN = timedelta(minutes=15)
ELSEWHERE = "new_device_elsewhere"  # LoginFailed.reason: a genuine link from another address


class Devices:
    """The Account's side: the hold and its confirmation, and the guards of a link."""

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class NewDeviceHeld(WharfAggregate.Event):
        TOPIC = "wharf:account:new-device-held"
        nonce: str  # the emailed link derives from it (not a secret without the server key)
        expires_at: datetime
        two_factor_method: str
        ticket_id: UUID  # spent: the second step is done
        two_factor_label: str | None = None
        unlocks: bool = False  # the ticket came with the emailed unlock link

        def apply(self, account) -> None:
            account.tickets.pop(str(self.ticket_id), None)
            holds = account.device_holds
            for nonce in [n for n, hold in holds.items() if hold["expires_at"] <= self.timestamp]:
                del holds[nonce]
            holds[self.nonce] = {
                "ip": self.ip, "expires_at": self.expires_at, "method": self.two_factor_method,
                "label": self.two_factor_label, "unlocks": self.unlocks}

    class DeviceConfirmed(WharfAggregate.Event):
        TOPIC = "wharf:account:device-confirmed"
        nonce: str

        def apply(self, account) -> None:
            account.device_holds.pop(self.nonce, None)

    @property
    def device_holds(self) -> dict:
        """Nonce -> the held log-in (address, expiry, method, label, unlocks), plain data."""
        return self.__dict__.setdefault("_device_holds", {})  # older snapshots lack it

    def hold_new_device(self, origin: Origin, nonce: str, method: str, ticket_id: UUID,
                        label: str | None = None, unlocks: bool = False) -> None:
        self.check_not_frozen()
        self._record(self.NewDeviceHeld, origin, nonce=nonce,
                     expires_at=origin.at + CONFIRM_WITHIN, two_factor_method=method,
                     ticket_id=ticket_id, two_factor_label=label, unlocks=unlocks)

    def check_device_link(self, origin: Origin, nonce: str) -> dict:
        """The hold a genuine link names, followed in time from the address that logged in."""
        hold = self.device_holds.get(nonce)
        if hold is None:
            raise InvalidToken("this confirmation link is invalid, has already been used, or"
                               " died with a password change; log in again")
        if origin.at >= hold["expires_at"]:
            raise InvalidToken("this confirmation link has expired; log in again")
        if origin.ip != hold["ip"]:
            raise DeviceElsewhere("open this link on the device and network you logged in"
                                  " from")
        return hold

    def confirm_device(self, origin: Origin, nonce: str) -> dict:
        hold = self.check_device_link(origin, nonce)
        self.check_not_frozen()
        self._record(self.DeviceConfirmed, origin, nonce=nonce)
        return hold
