"""Account commands: registration, email addresses, the admin flag."""

from uuid import UUID, uuid4

from wharf.application.base import Commands, retrying
from wharf.domain.account import Account
from wharf.domain.claim import claim_id
from wharf.domain.errors import Conflict, EmailTaken, InvalidToken, NotFound, UsernameTaken
from wharf.domain.names import normalise_email, username_key
from wharf.domain.origin import Origin
from wharf.security import passwords as password_policy
from wharf.security.tokens import new_nonce


class AccountCommands(Commands):
    @retrying
    def register(self, origin: Origin, username: str, password: str, email: str) -> UUID:
        key = username_key(username)
        address, email_key = normalise_email(email)
        password_policy.check_policy(password, username=username)
        account_id = uuid4()
        origin = origin.acting_as(account_id)
        name_claim = self._claim(origin, "username", key, account_id, UsernameTaken,
                                 "this username is not available")
        email_claim = self._claim(origin, "email", email_key, account_id, EmailTaken,
                                  "this email address is already in use")
        account = Account.register(origin, account_id, username, self.passwords.hash(password))
        account.add_email(origin, address, email_key, new_nonce(),
                          origin.at + self.verification_lifetime)
        self._save(account, name_claim, email_claim)
        return account_id

    @retrying
    def add_email(self, origin: Origin, email: str) -> None:
        address, email_key = normalise_email(email)
        account = self._account(origin.actor_id)
        account.check_sudo(origin)
        if email_key in account.emails:
            raise Conflict("this email address is already on your account")
        claim = self._claim(origin, "email", email_key, account.id, EmailTaken,
                            "this email address is already in use")
        account.add_email(origin, address, email_key, new_nonce(),
                          origin.at + self.verification_lifetime)
        self._save(account, claim)

    @retrying
    def verify_email(self, origin: Origin, token: str) -> UUID:
        account_id, nonce = self.verification_tokens.open(token)
        try:
            account = self._account(account_id)
        except NotFound:
            raise InvalidToken("this verification link is invalid") from None
        account.verify_email(origin, nonce)
        self._save(account)
        return account_id

    @retrying
    def resend_verification(self, origin: Origin, email: str) -> None:
        """A new link for an unverified address; the old one stops working."""
        account = self._account(origin.actor_id)
        account.resend_verification(origin, _email_key(email), new_nonce(),
                                    origin.at + self.verification_lifetime)
        self._save(account)

    @retrying
    def make_primary_email(self, origin: Origin, email: str) -> None:
        account = self._account(origin.actor_id)
        account.check_sudo(origin)
        account.make_primary(origin, _email_key(email))
        self._save(account)

    @retrying
    def remove_email(self, origin: Origin, email: str) -> None:
        account = self._account(origin.actor_id)
        account.check_sudo(origin)
        email_key = _email_key(email)
        account.remove_email(origin, email_key)
        claim = self.repository.get(claim_id("email", email_key))
        claim.release(origin, account.id)
        self._save(account, claim)

    @retrying
    def grant_admin(self, origin: Origin, username: str) -> UUID:
        account = self._member(username)
        account.grant_admin(origin)
        self._save(account)
        return account.id


def _email_key(email: str) -> str:
    return normalise_email(email)[1]
