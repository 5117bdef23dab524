"""Writers as releases before one-transaction saves were: the log first, the views later."""

import types

from eventsourcing.application import Application

# For the scripts the end-to-end tests run in a process of their own.
SCRIPT = ("import types\nfrom eventsourcing.application import Application\n"
          "wiring.app._record = types.MethodType(Application._record, wiring.app)\n")


def write_as_an_older_release(app) -> None:
    """Store this application's events only: what an older release's writer that died before
    catching the views up left in the log."""
    app._record = types.MethodType(Application._record, app)


def write_as_this_release(app) -> None:
    del app._record
