-- Accounts from a province's identity provider, linked by the provider's issuer and the stable
-- subject it gives the person (never by name or e-mail, which change and repeat).
CREATE TABLE external_identities (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    provider TEXT NOT NULL,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL,
    last_login_at {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX external_identities_subject ON external_identities(issuer, subject);
CREATE INDEX external_identities_user ON external_identities(user_id);

-- A sign-in under way: the state sent to the provider, with the nonce and PKCE verifier it must
-- come back to, bound to the browser that started it by the hash of a short-lived cookie. Deleted
-- when the provider answers, so a state is used at most once.
CREATE TABLE sso_logins (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    expires_at {{timestamp}} NOT NULL
);
CREATE INDEX sso_logins_expires ON sso_logins(expires_at);

-- The provider's side of a phonghop session opened by single sign-on: the ID token (the hint for
-- RP-initiated logout), the refresh token that re-checks the person at the provider, and when
-- that was last done. It goes with its session.
CREATE TABLE provider_sessions (
    session_hash TEXT PRIMARY KEY REFERENCES sessions(token_hash) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    id_token TEXT NOT NULL,
    refresh_token TEXT NOT NULL DEFAULT '',
    checked_at {{timestamp}} NOT NULL
);
