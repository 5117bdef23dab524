"""`wharf tokens`: what is done to API tokens on a schedule."""

from wharf.domain.origin import cli_origin


def add(commands) -> None:
    tokens = commands.add_parser("tokens", help="API tokens").add_subparsers(
        dest="tokens_command", required=True)
    remind = tokens.add_parser("remind-expiring", help="email each live token's owner once,"
                               " 3 days before it expires (recorded; run it hourly)")
    remind.set_defaults(run=_remind_expiring)


def _remind_expiring(wiring, args) -> None:
    reminded = wiring.app.remind_expiring_tokens(cli_origin(wiring.clock()))
    print(f"wharf: {reminded} token owner(s) reminded")
