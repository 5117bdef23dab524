"""The administrators' switches: each, while on, refuses one kind of request with 503.

One Switchboard aggregate holds them all, so two administrators flipping switches at once are
two writers of one aggregate (one retries and sees the other's change). What the switches are
now lives in a small view (wharf/projections/switches.py) that every request reads.
"""

from uuid import NAMESPACE_URL, uuid5

from wharf.domain.base import WharfAggregate
from wharf.domain.errors import Conflict, InvalidInput
from wharf.domain.origin import Origin

SWITCHBOARD_ID = uuid5(NAMESPACE_URL, "https://wharf.invalid/switchboard")
REASON = 500  # characters

READ_ONLY, UPLOADS_OFF = "read-only", "uploads-off"
REGISTRATIONS_OFF, NEW_PROJECTS_OFF = "registrations-off", "new-projects-off"
# What each refuses, told to whoever it refuses (one line of ASCII: twine prints it).
REFUSALS = {
    READ_ONLY: "The site is read-only for now: nothing can be changed (reads still work)."
               " Try again later.",
    UPLOADS_OFF: "Uploads are switched off by the administrators for now. Try again later.",
    REGISTRATIONS_OFF: "New registrations are switched off by the administrators for now."
                       " Try again later.",
    NEW_PROJECTS_OFF: "New projects are switched off by the administrators for now (uploads"
                      " to existing projects still work). Try again later.",
}
SWITCHES = tuple(REFUSALS)


class Switchboard(WharfAggregate):
    TOPIC = "wharf:switchboard"

    # NOTE: events are forever. Never rename or remove a class, its TOPIC or a field.

    class Created(WharfAggregate.Created):
        TOPIC = "wharf:switchboard:created"

        def apply(self, board: "Switchboard") -> None:
            board.on = {}  # switch -> the reason it is on

    class SwitchedOn(WharfAggregate.Event):
        TOPIC = "wharf:switchboard:switched-on"
        switch: str
        reason: str

        def apply(self, board: "Switchboard") -> None:
            board.on[self.switch] = self.reason

    class SwitchedOff(WharfAggregate.Event):
        TOPIC = "wharf:switchboard:switched-off"
        switch: str
        reason: str

        def apply(self, board: "Switchboard") -> None:
            board.on.pop(self.switch, None)

    @classmethod
    def open(cls, origin: Origin) -> "Switchboard":
        return cls._open(cls.Created, origin, SWITCHBOARD_ID)

    def turn(self, origin: Origin, switch: str, on: bool, reason: str) -> None:
        if switch not in SWITCHES:
            raise InvalidInput(f"no switch named {switch!r}; the switches: {', '.join(SWITCHES)}")
        if not reason.strip() or len(reason) > REASON or "\x00" in reason:
            raise InvalidInput(f"give a reason, of at most {REASON} characters")
        if (switch in self.on) == on:
            raise Conflict(f"{switch} is already {'on' if on else 'off'}")
        self._record(self.SwitchedOn if on else self.SwitchedOff, origin, switch=switch,
                     reason=reason)
