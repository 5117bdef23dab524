"""`wharf admin`: what an operator does to accounts and projects, each recorded."""

from wharf.bootstrap import utc_now
from wharf.domain.origin import cli_origin
from wharf.domain.releases import MIB
from wharf.domain.switches import SWITCHES


def add(commands) -> None:
    admin = commands.add_parser("admin", help="administrator flags").add_subparsers(
        dest="admin_command", required=True)
    grant = admin.add_parser("grant", help="make an account an admin")
    grant.add_argument("username")
    grant.set_defaults(run=_grant)
    unlock = admin.add_parser("unlock", help="let an account locked by 100 failed log-ins in a"
                              " row try again")
    unlock.add_argument("username")
    unlock.set_defaults(run=_unlock)
    revoke = admin.add_parser("revoke", help="revoke an account's admin rights")
    revoke.add_argument("username")
    revoke.set_defaults(run=_revoke)
    for verb, run, what in (("freeze", _freeze, "freeze an account: log-in, sessions and API"
                             " tokens refused (tokens kept)"),
                            ("unfreeze", _unfreeze, "unfreeze an account: its tokens work"
                             " again")):
        parser = admin.add_parser(verb, help=what)
        parser.add_argument("username")
        parser.add_argument("--reason", required=True)
        parser.set_defaults(run=run)
    recover = admin.add_parser("recover", help="open a recovery case for an account that lost"
                               " every second factor: its addresses are emailed a cancel link;"
                               " it completes after the wait (WHARF_RECOVERY_WAIT_HOURS)")
    recover.add_argument("username")
    recover.add_argument("--reason", required=True)
    recover.add_argument("--ticket", required=True, help="the support ticket's reference")
    recover.set_defaults(run=_recover)
    complete = admin.add_parser("complete-recoveries", help="complete every recovery case whose"
                                " wait is over (run it hourly, e.g. from cron)")
    complete.set_defaults(run=_complete_recoveries)
    switch = admin.add_parser("switch", help="turn a switch on or off: while on, what it stops"
                              " is answered 503")
    switch.add_argument("name", choices=SWITCHES)
    switch.add_argument("state", choices=("on", "off"))
    switch.add_argument("--reason", required=True)
    switch.set_defaults(run=_switch)
    limit = admin.add_parser("upload-limit", help="set the largest file a project takes"
                             " (recorded)")
    limit.add_argument("project")
    limit.add_argument("mebibytes", type=int, help="1 to 10240 MiB")
    limit.set_defaults(run=_upload_limit)


def _grant(wiring, args) -> None:
    account_id = wiring.app.grant_admin(cli_origin(utc_now()), args.username)
    print(f"wharf: {args.username} ({account_id}) is an admin")


def _revoke(wiring, args) -> None:
    account_id = wiring.app.revoke_admin(cli_origin(utc_now()), args.username)
    print(f"wharf: {args.username} ({account_id}) is no longer an admin")


def _freeze(wiring, args) -> None:
    account_id = wiring.app.freeze_account(cli_origin(utc_now()), args.username, args.reason)
    print(f"wharf: {args.username} ({account_id}) is frozen")


def _unfreeze(wiring, args) -> None:
    account_id = wiring.app.unfreeze_account(cli_origin(utc_now()), args.username, args.reason)
    print(f"wharf: {args.username} ({account_id}) is no longer frozen")


def _recover(wiring, args) -> None:
    account = wiring.app.open_recovery_case(cli_origin(utc_now()), args.username, args.reason,
                                            args.ticket)
    completes_at = account.open_recovery_case["completes_at"]
    print(f"wharf: a recovery case for {args.username} is open; it completes at"
          f" {completes_at.isoformat()} unless the holder cancels it")


def _complete_recoveries(wiring, args) -> None:
    done = wiring.app.complete_due_recovery_cases(cli_origin(utc_now()))
    for username in done:
        print(f"wharf: the recovery case of {username} completed; a reset link was emailed")
    print(f"wharf: {len(done)} recovery case(s) completed")


def _switch(wiring, args) -> None:
    wiring.app.turn_switch(cli_origin(utc_now()), args.name, args.state == "on", args.reason)
    print(f"wharf: {args.name} is {args.state}")


def _unlock(wiring, args) -> None:
    account_id = wiring.app.unlock(cli_origin(utc_now()), args.username)
    print(f"wharf: {args.username} ({account_id}) may log in again")


def _upload_limit(wiring, args) -> None:
    wiring.app.change_upload_limit(cli_origin(utc_now()), args.project, args.mebibytes * MIB)
    print(f"wharf: {args.project} takes files of up to {args.mebibytes} MiB")
