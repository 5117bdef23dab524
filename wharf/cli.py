"""The `wharf` command: init, serve, admin, projections, files, audit, replay."""

import argparse
import base64
import json
import logging
import os
import re
import signal
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

from wharf import logs, witness
from wharf.bootstrap import VIEWS, bootstrap, initialise, utc_now
from wharf.domain.errors import DomainError, InvalidInput
from wharf.domain.moments import check_moment
from wharf.domain.origin import cli_origin
from wharf.domain.releases import MIB
from wharf.files import collect_garbage
from wharf.mail import deliver_pending
from wharf.projections import audit_chain, log_tree
from wharf.settings import ensure_secret_key, from_environ

log = logging.getLogger("wharf.projections")
PROJECTIONS_LEASE = "wharf:projections"
STANDBY_POLL = 1.0  # seconds between a standby's attempts to take the lead
MAX_BACKOFF = 5.0  # seconds between passes while they fail: back soon after an outage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wharf", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="create the event store and view tables (idempotent)")
    serve = commands.add_parser("serve", help="run the web process under gunicorn")
    serve.add_argument("--bind", default=default_bind(os.environ))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WHARF_WORKERS", 2)))
    admin = commands.add_parser("admin", help="administrator flags").add_subparsers(
        dest="admin_command", required=True)
    admin.add_parser("grant", help="make an account an admin").add_argument("username")
    admin.add_parser("unlock", help="let an account locked by 100 failed log-ins in a row try"
                     " again").add_argument("username")
    limit = admin.add_parser("upload-limit", help="set the largest file a project takes"
                             " (recorded)")
    limit.add_argument("project")
    limit.add_argument("mebibytes", type=int, help="1 to 10240 MiB")
    files = commands.add_parser("files", help="the uploaded files' store").add_subparsers(
        dest="files_command", required=True)
    gc = files.add_parser("gc", help="remove stored objects no event references, once older"
                          " than the grace period; list what was removed")
    gc.add_argument("--grace-hours", type=float, help="default WHARF_FILES_GC_GRACE_HOURS (24)")
    projections = commands.add_parser("projections", help="the views and the email outbox")
    verbs = projections.add_subparsers(dest="projections_command", required=True)
    run = verbs.add_parser("run", help="keep views caught up and deliver email, until stopped")
    run.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    verbs.add_parser("catch-up", help="apply pending events and deliver pending email once")
    verbs.add_parser("rebuild", help="rebuild views from the log and report where the live"
                     " ones differed").add_argument("name", nargs="?", help="one view")
    quarantine = verbs.add_parser("quarantine", help="let the views pass over an event an older"
                                  " release stored that they cannot apply (recorded)")
    quarantine.add_argument("position", type=int, help="the event's position in the log")
    quarantine.add_argument("--reason", required=True, help="why, for the audit log")
    audit = commands.add_parser("audit", help="the log's hash chain and Merkle tree"
                                ).add_subparsers(dest="audit_command", required=True)
    audit.add_parser("head", help="print the chain's head, to keep outside Wharf")
    audit.add_parser("verify", help="walk the chain; name the first altered, missing or moved"
                     " entry").add_argument("--head", type=_kept_head, metavar="'POSITION HASH'",
                                            help="`wharf audit head`'s output, kept outside"
                                            " Wharf; later entries may follow it")
    audit.add_parser("checkpoint", help="print the log's signed checkpoint now")
    witness = audit.add_parser("witness", help="check a Wharf's checkpoint against the one"
                               " kept in FILE, keep the newer (exit 1 on a fork or rewrite)")
    witness.add_argument("url", help="the Wharf, e.g. https://wharf.example")
    witness.add_argument("--state", required=True, type=Path, metavar="FILE",
                         help="the witness's own file")
    witness.add_argument("--key", help="the verifier key to trust (default: the one pinned in"
                         " FILE, or on first use the one the log publishes)")
    replay = commands.add_parser("replay", help="the state at a past moment, from the log alone"
                                 " (JSON): roles, 2FA, sessions, tokens, who could upload")
    replay.add_argument("--as-of", required=True, type=_moment,
                        help="ISO 8601 with a time zone, e.g. 2026-06-01T12:00:00Z")
    replay.add_argument("--account", help="one account (username) and its projects")
    replay.add_argument("--project", help="one project and who could upload to it")
    args = parser.parse_args(argv)
    logs.configure()

    if args.command == "audit" and args.audit_command == "witness":
        return _witness(args)  # runs away from Wharf: no configuration, no store
    settings = from_environ()
    if args.command == "init":
        settings = ensure_secret_key(settings)
        initialise(settings)
        where = settings.database_url and "PostgreSQL" or settings.sqlite_path
        print(f"wharf: store ready ({where})")
        return 0
    if not settings.secret_key:
        print("wharf: no secret key: set WHARF_SECRET_KEY or run `wharf init`", file=sys.stderr)
        return 2
    if args.command == "serve":
        # gunicorn's control socket lives in ~/.gunicorn/ by default, shared by every server
        # on the host; Wharf does not use it.
        os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", args.bind,
                                  "--workers", str(args.workers), "--no-control-socket",
                                  "--config", "python:wharf.http.gunicorn_conf",
                                  "wharf.http.app:get_app()"])
    long_running = args.command == "projections" and args.projections_command == "run"
    wiring = bootstrap(settings, check_connections=long_running)
    try:
        if args.command == "admin" and args.admin_command == "grant":
            account_id = wiring.app.grant_admin(cli_origin(utc_now()), args.username)
            print(f"wharf: {args.username} ({account_id}) is an admin")
        elif args.command == "admin" and args.admin_command == "upload-limit":
            wiring.app.change_upload_limit(cli_origin(utc_now()), args.project,
                                           args.mebibytes * MIB)
            print(f"wharf: {args.project} takes files of up to {args.mebibytes} MiB")
        elif args.command == "admin":
            account_id = wiring.app.unlock(cli_origin(utc_now()), args.username)
            print(f"wharf: {args.username} ({account_id}) may log in again")
        elif args.command == "files":
            return _collect_garbage(wiring, args.grace_hours)
        elif args.command == "audit":
            return _audit(wiring, args)
        elif args.command == "replay":
            state = wiring.replay.at(args.as_of, args.account, args.project)
            print(json.dumps(state, indent=2))
        elif args.projections_command == "catch-up":
            _pass(wiring)
        elif args.projections_command == "rebuild":
            return _rebuild(wiring, args.name)
        elif args.projections_command == "quarantine":
            topic = wiring.app.quarantine_event(cli_origin(utc_now()), args.position, args.reason)
            print(f"wharf: the event at position {args.position} ({topic}) is quarantined")
        else:
            _run_forever(wiring, args.interval)
    except DomainError as error:
        print(f"wharf: {error.detail}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        wiring.close()
    return 0


def default_bind(environ) -> str:
    """WHARF_BIND; else every interface at PORT, which honcho and platforms that run a
    Procfile give its web process; else loopback port 8000."""
    port = environ.get("PORT")
    return environ.get("WHARF_BIND") or (f"0.0.0.0:{port}" if port else "127.0.0.1:8000")


def _collect_garbage(wiring, grace_hours: float | None) -> int:
    grace = (timedelta(hours=grace_hours) if grace_hours is not None
             else wiring.settings.files_gc_grace)
    wiring.projector.catch_up()  # every recorded file is in the views before gc reads them
    collected = collect_garbage(wiring.file_store, wiring.files.references,
                                wiring.db.exclusive, utc_now() - grace)
    for removed in collected.removed:
        print(f"removed {removed.key} ({removed.size} bytes, last written"
              f" {removed.modified.isoformat(timespec='seconds')})")
    print(f"wharf: removed {len(collected.removed)} unreferenced objects"
          f" ({sum(r.size for r in collected.removed)} bytes); kept {collected.kept}")
    return 0


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-06-01T12:00:00Z")
    try:
        return check_moment(moment, "--as-of")
    except InvalidInput as error:
        raise argparse.ArgumentTypeError(error.detail) from None


def _kept_head(text: str) -> audit_chain.Head:
    kept = re.fullmatch(r"([0-9]{1,19}) ([0-9a-fA-F]{64})", text.strip())
    if kept is None:
        raise argparse.ArgumentTypeError(
            "give `wharf audit head`'s output: POSITION HASH (a number, a space and 64 hex"
            " digits), e.g. --head \"$(wharf audit head)\"")
    return audit_chain.Head(int(kept[1]), kept[2].lower())


def _rebuild(wiring, only: str | None) -> int:
    names = [view.name for view in VIEWS if only in (None, view.name)]
    if not names:
        print(f"wharf: no view named {only}; views: {', '.join(v.name for v in VIEWS)}",
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


def _audit(wiring, args) -> int:
    wiring.projector.catch_up()  # chain what is already in the log
    if args.audit_command == "head":
        print(audit_chain.head(wiring.db))
        return 0
    if args.audit_command == "checkpoint":
        print(wiring.checkpoint()[1], end="")
        return 0
    verdict = audit_chain.verify(wiring.db, wiring.app.recorder, args.head)
    if not verdict.ok:
        print(f"wharf: the log fails its hash chain: {verdict.problem}", file=sys.stderr)
        return 1
    print(f"wharf: {verdict.checked} entries hold together; head {verdict.head}")
    return _verify_tree(wiring)


def _verify_tree(wiring) -> int:
    verdict = log_tree.verify(wiring.db, wiring.app.recorder)
    if not verdict.ok:
        print(f"wharf: the log fails its Merkle tree: {verdict.problem}", file=sys.stderr)
        return 1
    print(f"wharf: the Merkle tree of {verdict.checked} entries holds together; root"
          f" {base64.b64encode(verdict.root).decode()}")
    return 0


def _witness(args) -> int:
    try:
        for line in witness.witness(args.url, args.state, args.key):
            print(f"wharf: {line}")
    except witness.Refused as error:
        print(f"wharf: REFUSED: {error}", file=sys.stderr)
        return 1
    except witness.Unreachable as error:
        print(f"wharf: nothing was checked: {error}", file=sys.stderr)
        return 2
    return 0


def _run_forever(wiring, interval: float) -> None:
    """Lead the projections while no other process on the store does (standing by until it
    dies); keep going through passing failures (a store or mail outage): log, back off, retry.
    SIGTERM finishes the current pass, hands the lead back and exits."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    lease, leading, delay = None, None, interval
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
                delay = interval if lease is not None else STANDBY_POLL
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
    deliver_pending(wiring.outbox, wiring.renderer, wiring.mail_transport(), wiring.clock())


if __name__ == "__main__":
    sys.exit(main())
