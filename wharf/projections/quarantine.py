"""Quarantined events: read from the log, and applied view by view, each in a savepoint, so
that the views able to apply one do and the others pass over it (domain/log_repair.py)."""

import logging

from eventsourcing.persistence import ApplicationRecorder, Mapper

from wharf.domain.log_repair import QUARANTINED_TOPIC

log = logging.getLogger("wharf.projections")

SCAN = 1000


def positions(recorder: ApplicationRecorder, mapper: Mapper) -> frozenset[int]:
    """Every position the log records a quarantine of (a scan of the log: rare, never on a
    command's path)."""
    found, start = set(), 0
    while notifications := recorder.select_notifications(
            start, SCAN, topics=[QUARANTINED_TOPIC], inclusive_of_start=False):
        found.update(mapper.to_domain_event(n).position for n in notifications)
        start = notifications[-1].id
    return frozenset(found)


def apply_carefully(views, notification, event, cur, appends_class, into: str | None = None,
                    ) -> None:
    for view in views:
        cur.execute("SAVEPOINT quarantined")
        appends = appends_class()
        try:
            appends.apply(view, notification, event, cur, into)
            appends.flush(cur)
        except Exception as error:  # noqa: BLE001 - a store outage fails the next statement
            cur.execute("ROLLBACK TO SAVEPOINT quarantined")
            log.warning("view %s passed over the quarantined event at position %d (%s)",
                        view.name, notification.id, type(getattr(error, "error", error)).__name__)
        cur.execute("RELEASE SAVEPOINT quarantined")
