"""`wharf projections`: keep the views caught up and deliver email; rebuild a view from the
log; quarantine an event an older release stored that the views cannot apply."""

import logging
import signal
import sys
import threading

from wharf.bootstrap import VIEWS, utc_now
from wharf.domain.origin import cli_origin

log = logging.getLogger("wharf.projections")
PROJECTIONS_LEASE = "wharf:projections"
STANDBY_POLL = 1.0  # seconds between a standby's attempts to take the lead
MAX_BACKOFF = 5.0  # seconds between passes while they fail: back soon after an outage


def add(commands) -> None:
    projections = commands.add_parser("projections", help="the views and the email outbox")
    verbs = projections.add_subparsers(dest="projections_command", required=True)
    run = verbs.add_parser("run", help="keep views caught up and deliver email, until stopped")
    run.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    run.set_defaults(run=_run_forever, long_running=True)
    verbs.add_parser("catch-up", help="apply pending events and deliver pending email once"
                     ).set_defaults(run=lambda wiring, args: _pass(wiring))
    rebuild = verbs.add_parser("rebuild", help="rebuild views from the log and report where"
                               " the live ones differed")
    rebuild.add_argument("name", nargs="?", help="one view")
    rebuild.set_defaults(run=_rebuild)
    quarantine = verbs.add_parser("quarantine", help="let the views pass over an event an older"
                                  " release stored that they cannot apply (recorded)")
    quarantine.add_argument("position", type=int, help="the event's position in the log")
    quarantine.add_argument("--reason", required=True, help="why, for the audit log")
    quarantine.set_defaults(run=_quarantine)


def _quarantine(wiring, args) -> None:
    topic = wiring.app.quarantine_event(cli_origin(utc_now()), args.position, args.reason)
    print(f"wharf: the event at position {args.position} ({topic}) is quarantined")


def _rebuild(wiring, args) -> int:
    names = [view.name for view in VIEWS if args.name in (None, view.name)]
    if not names:
        print(f"wharf: no view named {args.name}; views: {', '.join(v.name for v in VIEWS)}",
              file=sys.stderr)
        return 2
    differed = 0
    for name in names:
        differences = wiring.projector.rebuild(name, _progress_bar(name))
        print(file=sys.stderr)
        for table, difference in differences.items():
            differed += 1
            (live, live_sample), (rebuilt, rebuilt_sample) = (difference.only_live,
                                                              difference.only_rebuilt)
            print(f"wharf: {table}: {live} rows only in the live view,"
                  f" {rebuilt} only in the rebuilt one")
            for sign, rows in (("-", live_sample), ("+", rebuilt_sample)):
                for row in rows:  # a row's key only: view rows can hold token hashes
                    print(f"  {sign} {_key_of(row)}")
    print(f"wharf: rebuilt {len(names)} views; "
          + (f"{differed} tables differed and are now as the log says" if differed
             else "they equal the live ones"))
    return 1 if differed else 0


def _key_of(row: dict) -> str:
    key = next((k for k in ("id", "filename", "email_key", "position", "name") if k in row),
               next(iter(row)))
    return f"{key}={row[key]}"


def _progress_bar(name: str):
    def show(done: int, of: int) -> None:
        filled = 30 * done // max(of, 1)
        print(f"\r{name:>14} [{'#' * filled}{' ' * (30 - filled)}] {done}/{of}", end="",
              file=sys.stderr, flush=True)

    return show


def _run_forever(wiring, args) -> None:
    """Lead the projections while no other process on the store does (standing by until it
    dies); keep going through passing failures (a store or mail outage): log, back off, retry.
    SIGTERM finishes the current pass, hands the lead back and exits."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    lease, leading, delay = None, None, args.interval
    try:
        while not stopping.is_set():
            try:
                if lease is not None and not lease.alive():
                    lease.release()
                    lease = None
                    log.warning("lost the lead of the projections (the store forgot the lock)")
                if lease is None:
                    lease = wiring.db.lease(PROJECTIONS_LEASE)
                if (lease is not None) != leading:
                    leading = lease is not None
                    log.info("leading the projections" if leading else
                             "standing by: another process leads the projections")
                if lease is not None:
                    _pass(wiring)
                delay = args.interval if lease is not None else STANDBY_POLL
            except Exception:
                delay = min(delay * 2, MAX_BACKOFF)
                log.exception("projection pass failed; retrying in %.1f s", delay)
            stopping.wait(delay)
    finally:
        if lease is not None:
            lease.release()
            log.info("stopped; the projections are free for another process to lead")


def _pass(wiring) -> None:
    wiring.projector.catch_up()
    wiring.deliver_mail()
