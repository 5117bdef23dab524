"""`wharf replay --as-of`: the state at a past moment, from the log alone."""

import argparse
import json
from datetime import datetime

from wharf.domain.errors import InvalidInput
from wharf.domain.moments import check_moment


def add(commands) -> None:
    replay = commands.add_parser("replay", help="the state at a past moment, from the log alone"
                                 " (JSON): roles, 2FA, sessions, tokens, who could upload")
    replay.add_argument("--as-of", required=True, type=_moment,
                        help="ISO 8601 with a time zone, e.g. 2026-06-01T12:00:00Z")
    replay.add_argument("--account", help="one account (username) and its projects")
    replay.add_argument("--project", help="one project and who could upload to it")
    replay.set_defaults(run=_replay)


def _replay(wiring, args) -> None:
    print(json.dumps(wiring.replay.at(args.as_of, args.account, args.project), indent=2))


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
