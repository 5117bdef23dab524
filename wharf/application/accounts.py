"""Account commands: registration, email addresses, the admin flag."""

from uuid import UUID, uuid4

from wharf.application.base import Commands, retrying
from wharf.domain import quotas
from wharf.domain.account import Account
from wharf.domain.claim import Claim, claim_id
from wharf.domain.deliveries import MailLog, mail_log_id
from wharf.domain.errors import (
    Conflict,
    EmailTaken,
    InvalidToken,
    LimiterUnavailable,
    NotFound,
    UsernameTaken,
)
from wharf.domain.names import normalise_email, username_key
from wharf.domain.origin import Origin
from wharf.domain.switches import REGISTRATIONS_OFF
from wharf.projections.client_actions import EMAIL_ADDED
from wharf.security import passwords as password_policy
from wharf.security.tokens import new_nonce


class AccountCommands(Commands):
    @retrying
    def record_delivery(self, origin: Origin, message: dict) -> None:
        """An outbox message was delivered: its template and recipient go in the history."""
        account_id = UUID(message["account_id"])
        log = self._find(mail_log_id(account_id)) or MailLog.open(origin, account_id)
        log.record_delivery(origin, message["id"], message["template"], message["recipient"])
        self._save(log)

    @retrying
    def register(self, origin: Origin, username: str, password: str, email: str) -> UUID:
        self.switches.check(REGISTRATIONS_OFF)
        key = username_key(username)
        address, email_key = normalise_email(email)
        password_policy.check_policy(password, username=username)
        account_id = uuid4()
        origin = origin.acting_as(account_id)
        name_claim = self._claim(origin, "username", key, account_id, UsernameTaken,
                                 "this username is not available")
        email_claims = self._email_claim(origin, email_key, account_id)
        account = Account.register(origin, account_id, username, self.passwords.hash(password))
        account.add_email(origin, address, email_key, new_nonce(),
                          origin.at + self.verification_lifetime)
        self._save(*email_claims, account, name_claim)
        return account_id

    @retrying
    def add_email(self, origin: Origin, email: str) -> None:
        address, email_key = normalise_email(email)
        account = self._account(origin.actor_id)
        account.check_sudo(origin)
        if email_key in account.emails:
            raise Conflict("this email address is already on your account")
        self._check_added_from(origin)
        account.check_verification_sends(origin.at, self.quotas.verification_emails)
        claims = self._email_claim(origin, email_key, account.id)
        account.add_email(origin, address, email_key, new_nonce(),
                          origin.at + self.verification_lifetime)
        self._save(*claims, account)

    def _email_claim(self, origin: Origin, email_key: str, account_id: UUID) -> list:
        """The address's claim for this account, and the account that gives it up: an address
        is held for good only once verified; until then whoever claims it next takes it (so
        one added by someone else never blocks its owner). Each claim sends a verification
        email, so the address's mailbox gets a limited number of them, whoever asks."""
        claim = self._find(claim_id("email", email_key))
        if claim is None:
            return [Claim.create(origin, "email", email_key, account_id)]
        if claim.holder_id in (None, account_id):
            self._check_sends_to(claim, origin)
            claim.take(origin, account_id, EmailTaken, "this email address is already in use")
            return [claim]
        holder = self._account(claim.holder_id)
        holder.give_up_unverified_email(quiet_origin(origin), email_key)
        self._check_sends_to(claim, origin)
        claim.take_over(origin, account_id)
        return [holder, claim]  # in this order: the address leaves one account, then joins

    def _check_sends_to(self, claim: Claim, origin: Origin) -> None:
        self.quotas.verification_emails.check(claim.takes, origin.at,
                                              "verification emails to this address")

    def _check_added_from(self, origin: Origin) -> None:
        try:
            added = self.client_actions.by_ip(EMAIL_ADDED, origin.ip,
                                              origin.at - quotas.LONGEST_WINDOW)
        except Exception as error:  # the store could not say: fail closed
            raise LimiterUnavailable("cannot check limits right now; try again") from error
        self.quotas.emails_added_per_ip.check(added, origin.at,
                                              "email addresses added from your address")

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
        account.check_verification_sends(origin.at, self.quotas.verification_emails)
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


def quiet_origin(origin: Origin) -> Origin:
    """Who takes an address from an account that never verified it is none of that account's
    business: its event records no actor, address or user agent."""
    return Origin(None, "", "", origin.at)
