"""What administrators do, from the command line (`wharf admin`) or the admin API: freeze and
unfreeze accounts, revoke admin rights, turn the switches. Each is recorded with who did it."""

from uuid import UUID

from wharf.application.base import Commands, retrying
from wharf.domain.errors import Forbidden
from wharf.domain.origin import Origin
from wharf.domain.switches import SWITCHBOARD_ID, Switchboard


class AdminCommands(Commands):
    def check_admin(self, origin: Origin) -> None:
        """An administrator acting through the API: admin rights now, and the sudo window
        (a stolen session must not freeze anyone nor switch the site off)."""
        admin = self._account(origin.actor_id)
        if not admin.is_admin:
            raise Forbidden("only admins can do this")
        admin.check_sudo(origin)

    @retrying
    def freeze_account(self, origin: Origin, username: str, reason: str) -> UUID:
        account = self._member(username)
        account.freeze(origin, reason)
        self._save(account)
        return account.id

    @retrying
    def unfreeze_account(self, origin: Origin, username: str, reason: str) -> UUID:
        account = self._member(username)
        account.unfreeze(origin, reason)
        self._save(account)
        return account.id

    @retrying
    def revoke_admin(self, origin: Origin, username: str) -> UUID:
        account = self._member(username)
        account.revoke_admin(origin)
        self._save(account)
        return account.id

    @retrying
    def turn_switch(self, origin: Origin, switch: str, on: bool, reason: str) -> None:
        board = self._find(SWITCHBOARD_ID) or Switchboard.open(origin)
        board.turn(origin, switch, on, reason)
        self._save(board)
