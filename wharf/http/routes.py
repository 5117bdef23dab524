"""The route tables, read by the app and tests: ROUTES (the JSON API, also read by the OpenAPI
document) and PAGES (the server-rendered HTML pages)."""

from wharf.http.pages.account import (
    AccountPage,
    EndSessionPage,
    HomePage,
    PasswordPage,
    ReauthenticationPage,
)
from wharf.http.pages.emails import AddEmailPage, PrimaryEmailPage, RemoveEmailPage
from wharf.http.pages.history import AccountHistoryPage, ProjectHistoryPage
from wharf.http.pages.login import LoginPage, LogoutPage, RecoveryCodeStepPage, TotpStepPage
from wharf.http.pages.signup import EmailVerificationPage, SignupPage
from wharf.http.pages.static import StaticFiles
from wharf.http.pages.tokens import TokenMintPage, TokenRevokePage
from wharf.http.pages.two_factor import (
    RecoveryCodesPage,
    TotpConfirmationPage,
    TotpEnrolmentPage,
    TotpRemovalPage,
)
from wharf.http.resources import (
    account,
    disclosures,
    health,
    history,
    metrics,
    projects,
    security_keys,
    session,
    simple,
    tokens,
    two_factor,
    uploads,
)

ROUTES = [
    ("/api/health", health.Liveness),
    ("/api/ready", health.Readiness),
    ("/metrics", metrics.MetricsResource),
    ("/api/accounts", account.AccountsResource),
    ("/api/session", session.SessionResource),
    ("/api/session/reauthenticate", session.ReauthenticationResource),
    ("/api/session/totp", session.TotpLoginResource),
    ("/api/session/recovery-code", session.RecoveryCodeLoginResource),
    ("/api/session/webauthn/begin", security_keys.KeyLoginResource),
    ("/api/session/webauthn/complete", security_keys.KeyLoginCompletionResource),
    ("/api/account", account.AccountResource),
    ("/api/account/password", account.PasswordResource),
    ("/api/account/emails", account.EmailsResource),
    ("/api/account/emails/verify", account.EmailVerificationResource),
    ("/api/account/emails/{email}/primary", account.PrimaryEmailResource),
    ("/api/account/emails/{email}", account.EmailResource),
    ("/api/account/totp", two_factor.TotpResource),
    ("/api/account/totp/confirm", two_factor.TotpConfirmationResource),
    ("/api/account/recovery-codes", two_factor.RecoveryCodesResource),
    ("/api/account/webauthn", security_keys.SecurityKeysResource),
    ("/api/account/webauthn/begin", security_keys.KeyRegistrationResource),
    ("/api/account/webauthn/complete", security_keys.KeyRegistrationCompletionResource),
    ("/api/account/webauthn/{key_id}", security_keys.SecurityKeyResource),
    ("/api/account/tokens", tokens.TokensResource),
    ("/api/account/tokens/{token_id}", tokens.TokenResource),
    ("/api/token", tokens.OwnTokenResource),
    ("/api/account/sessions", account.SessionsResource),
    ("/api/account/sessions/{session_id}", account.SessionItemResource),
    ("/api/account/events", history.AccountHistory),
    ("/api/account/events/export", history.AccountHistoryExport),
    ("/_/secrets/disclose-token", disclosures.DisclosureResource),
    ("/legacy/", uploads.LegacyUploadResource),
    ("/simple/", simple.SimpleIndexResource),
    ("/simple/{project}/", simple.SimpleProjectResource),
    ("/files/{sha256}/{filename}", simple.FileResource),
    ("/api/projects", projects.ProjectsResource),
    ("/api/projects/{name}", projects.ProjectResource),
    ("/api/projects/{name}/roles", projects.RolesResource),
    ("/api/projects/{name}/roles/{username}", projects.RoleResource),
    ("/api/projects/{name}/events", history.ProjectHistory),
    ("/api/projects/{name}/events/export", history.ProjectHistoryExport),
    ("/api/admin/events", history.AdminHistory),
    ("/api/admin/events/export", history.AdminHistoryExport),
    ("/api/admin/replay", history.AdminReplay),
]

PAGES = [
    ("/", HomePage),
    ("/signup", SignupPage),
    ("/account/verify-email", EmailVerificationPage),
    ("/login", LoginPage),
    ("/login/totp", TotpStepPage),
    ("/login/recovery-code", RecoveryCodeStepPage),
    ("/logout", LogoutPage),
    ("/account", AccountPage),
    ("/account/reauthenticate", ReauthenticationPage),
    ("/account/password", PasswordPage),
    ("/account/emails", AddEmailPage),
    ("/account/emails/primary", PrimaryEmailPage),
    ("/account/emails/remove", RemoveEmailPage),
    ("/account/totp", TotpEnrolmentPage),
    ("/account/totp/confirm", TotpConfirmationPage),
    ("/account/totp/remove", TotpRemovalPage),
    ("/account/recovery-codes", RecoveryCodesPage),
    ("/account/sessions/end", EndSessionPage),
    ("/account/tokens", TokenMintPage),
    ("/account/tokens/revoke", TokenRevokePage),
    ("/account/history", AccountHistoryPage),
    ("/projects/{name}/history", ProjectHistoryPage),
    ("/static/{name}", StaticFiles),
]
