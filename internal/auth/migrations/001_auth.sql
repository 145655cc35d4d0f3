-- Password hashes (argon2id, PHC string format), one per account.
CREATE TABLE credentials (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    password_hash TEXT NOT NULL,
    changed_at {{timestamp}} NOT NULL
);

-- Server-side sessions. Only the SHA-256 of the cookie value is stored, so a copy of the database
-- does not let anyone sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL,
    last_seen_at {{timestamp}} NOT NULL,
    expires_at {{timestamp}} NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

-- System roles: admin (organization_id NULL) or secretary of one organization.
CREATE TABLE user_roles (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'secretary')),
    organization_id BIGINT REFERENCES organizations(id),
    CHECK ((role = 'admin' AND organization_id IS NULL) OR (role <> 'admin' AND organization_id IS NOT NULL))
);
CREATE UNIQUE INDEX user_roles_unique ON user_roles(user_id, role, COALESCE(organization_id, 0));

-- Failed logins, kept in the database so every node sees the same count.
CREATE TABLE login_failures (
    id {{id}},
    username TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    at {{timestamp}} NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username, at);
CREATE INDEX login_failures_addr ON login_failures(remote_addr, at);

-- Keys shared by every node (e.g. the media join token key), made on first start.
CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value {{blob}} NOT NULL,
    created_at {{timestamp}} NOT NULL
);
