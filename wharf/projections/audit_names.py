"""The audit log's public vocabulary: the one table of public names (`account:login:success`,
...), each with what it means, and which of them anyone may read.

Which stored event shows up under which name, about whom and with which details, is
audit_entries.py. NOTE: a public name, once published, is never renamed: exports and alerts
depend on it.
"""

NAMES = {
    "account:create": "an account was registered",
    "account:admin:grant": "the account was made an administrator",
    "account:admin:revoke": "the account's administrator rights were revoked",
    "account:freeze": "an administrator froze the account (log-in, sessions, tokens refused)",
    "account:unfreeze": "an administrator unfroze the account (its tokens work again)",
    "account:recovery:open": "an administrator opened a recovery case (every second factor lost)",
    "account:recovery:cancel": "the holder cancelled a recovery case",
    "account:recovery:complete": "a recovery case completed: password disabled, a reset link sent",
    "account:email:add": "an email address was added",
    "account:email:sent": "an email was sent: a verification link, or any message delivered"
                          " (its template and recipient)",
    "account:email:verified": "an email address was verified",
    "account:email:primary:change": "another address became the primary one",
    "account:email:remove": "an email address was removed",
    "account:login:success": "a log-in succeeded (with the second factor used)",
    "account:login:failure": "a log-in failed (with the reason)",
    "account:login:two_factor_required": "the password was right; a second factor was asked",
    "account:login:new_device": "a log-in from a new address was held; a confirmation emailed",
    "account:login:device_confirmed": "the emailed link confirmed a new address's log-in",
    "account:unlock": "an administrator let a locked account try again",
    "account:lock": "100 failed log-ins in a row locked the account (to new addresses, or to all)",
    "account:unlock:link": "the holder lifted the lock: emailed link, password and second factor",
    "account:reauthenticate:success": "the password was confirmed for a sensitive change",
    "account:reauthenticate:failure": "a password confirmation failed",
    "account:session:end": "a session ended (log-out, revoked, or ended by a change)",
    "account:password:change": "the password was changed (other sessions ended)",
    "account:password:reset:request": "a password reset link was asked for",
    "account:password:reset": "the password was reset with an emailed link (every session ended)",
    "account:two_factor:method_added": "an authenticator app or security key was added",
    "account:two_factor:method_removed": "an authenticator app or security key was removed",
    "account:two_factor:method_renamed": "a security key was renamed",
    "account:two_factor:security_key_refused": "a security key's answer was refused",
    "account:two_factor:possible_clone": "a security key's counter went backwards",
    "account:two_factor:cleared": "every second factor and recovery code was removed (recovery)",
    "account:recovery_codes:generated": "recovery codes were generated",
    "account:recovery_codes:regenerated": "recovery codes were replaced",
    "account:recovery_codes:used": "a recovery code was used",
    "account:api_token:added": "an API token was made",
    "account:api_token:removed": "an API token was revoked",
    "account:api_token:removed_leak": "an API token found in public was revoked",
    "account:oidc:pending-publisher-added": "a trusted publisher was registered for a project"
                                            " name nobody holds yet (its first run creates it)",
    "account:oidc:pending-publisher-removed": "a pending trusted publisher was removed",
    "account:oidc:pending-publisher-used": "a pending trusted publisher's run created its project",
    "account:api_token:expiry_reminder": "the owner was emailed that an API token expires soon",
    "project:create": "a project was created",
    "project:role:add": "someone was given a role",
    "project:role:change": "someone's role changed",
    "project:role:remove": "someone's role was removed",
    "account:containment:apply": "a stolen credential's doings since a moment were undone (the"
                                 " plan applied; each step's entry names the containment)",
    "project:role:restore": "a containment gave back a role a stolen credential removed",
    "project:role:invite": "an Owner invited someone to a role (emailed a link, 7 days)",
    "project:role:accept": "the invitee accepted an invitation (the role is theirs)",
    "project:role:decline": "the invitee declined an invitation",
    "project:role:revoke_invite": "an Owner revoked someone's invitation",
    "project:api_token:added": "an API token scoped to the project was made",
    "project:api_token:removed": "an API token scoped to the project was revoked",
    "project:release:add": "a release was created by its first file",
    "project:upload_limit:change": "an administrator changed the largest file the project takes",
    "project:release:yank": "an Owner yanked a release (installers skip it unless pinned)",
    "project:release:unyank": "an Owner un-yanked a release",
    "project:release:remove": "an Owner removed a release and its files for good",
    "file:add": "a file was uploaded",
    "file:remove": "an Owner removed a file for good (its name stays taken)",
    "project:oidc:publisher-added": "an Owner added a trusted publisher (a CI workflow)",
    "project:oidc:publisher-removed": "an Owner removed a trusted publisher",
    "project:oidc:token-minted": "a trusted publisher's run got a 15-minute upload token",
    "project:oidc:token-burned": "a trusted publisher's upload token was thrown away",
    "project:oidc:trusted-publishing-only:on": "an Owner turned trusted publishing only on"
                                               " (API-token uploads refused)",
    "project:oidc:trusted-publishing-only:off": "an Owner turned trusted publishing only off",
    "project:release:unusual_publisher": "a release came another way than the recent ones"
                                         " (a token, or another trusted publisher)",
    "log:event:quarantine": "an operator quarantined an event the views could not apply",
    "site:switch:on": "an administrator turned a switch on (read-only, uploads off, ...)",
    "site:switch:off": "an administrator turned a switch off",
}

# What anyone may read (GET /api/log/public): who holds a role on which project. Their entries
# name only projects and usernames, both public on the index (PyPI shows them too).
PUBLIC = ("project:create", "project:role:add", "project:role:change", "project:role:remove",
          "project:role:restore")
