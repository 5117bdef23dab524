"""`wharf admin`: what an operator does to accounts and projects, each recorded."""

from wharf.bootstrap import utc_now
from wharf.domain.origin import cli_origin
from wharf.domain.releases import MIB


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
    limit = admin.add_parser("upload-limit", help="set the largest file a project takes"
                             " (recorded)")
    limit.add_argument("project")
    limit.add_argument("mebibytes", type=int, help="1 to 10240 MiB")
    limit.set_defaults(run=_upload_limit)


def _grant(wiring, args) -> None:
    account_id = wiring.app.grant_admin(cli_origin(utc_now()), args.username)
    print(f"wharf: {args.username} ({account_id}) is an admin")


def _unlock(wiring, args) -> None:
    account_id = wiring.app.unlock(cli_origin(utc_now()), args.username)
    print(f"wharf: {args.username} ({account_id}) may log in again")


def _upload_limit(wiring, args) -> None:
    wiring.app.change_upload_limit(cli_origin(utc_now()), args.project, args.mebibytes * MIB)
    print(f"wharf: {args.project} takes files of up to {args.mebibytes} MiB")
