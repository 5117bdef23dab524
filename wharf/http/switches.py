"""The administrators' switches, obeyed by every request that would change something: while
read-only is on, every change (any method but GET/HEAD/OPTIONS) is refused with 503; a resource
names in `stopped_by` what else stops it (uploads off). The switches view is read on each such
request, so a switch turned on one worker is obeyed by the next request on any other.
Registrations and new projects are refused by their commands (wharf/application/)."""

import falcon

from wharf.domain.switches import READ_ONLY
from wharf.http.auth import SAFE_METHODS

STOPPED_BY = (READ_ONLY,)  # what stops a resource's changes unless it says otherwise


class SwitchGuard:
    def __init__(self, switches):
        self._switches = switches

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource,
                         params) -> None:
        if resource is None or req.method in SAFE_METHODS:
            return
        switches = getattr(resource, "stopped_by", STOPPED_BY)
        if switches:
            self._switches.check(*switches)
