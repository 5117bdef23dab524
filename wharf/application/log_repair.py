"""Operators' repairs of the log: quarantining an event that an older release let in and no
view can apply (domain/log_repair.py). The repair is stored without its views, which are stuck
behind the event it names, then the views catch up at once, passing over it."""

from wharf.application.base import Commands
from wharf.domain.errors import NotFound
from wharf.domain.log_repair import LOG_REPAIR_ID, LogRepair
from wharf.domain.origin import Origin


class LogRepairCommands(Commands):
    def quarantine_event(self, origin: Origin, position: int, reason: str) -> str:
        """Quarantine the event at `position` and let the views pass it; return its topic."""
        found = self.recorder.select_notifications(position, 1) if position > 0 else []
        if not found or found[0].id != position:
            raise NotFound(f"the log has no event at position {position}")
        repair = self._find(LOG_REPAIR_ID) or LogRepair.open(origin)
        repair.quarantine(origin, position, found[0].topic, reason)
        self._save(repair, apply=False)
        self.projector.catch_up()
        return found[0].topic
