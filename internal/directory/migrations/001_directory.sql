-- Organizations (cơ quan, đơn vị) form a tree: province → departments and districts → communes.
CREATE TABLE organizations (
    id {{id}},
    parent_id BIGINT REFERENCES organizations(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    abbreviation TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'department', 'district', 'commune')),
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX organizations_parent ON organizations(parent_id);

-- Meeting points (điểm cầu): a room with a camera and a screen that joins online meetings.
CREATE TABLE meeting_points (
    id {{id}},
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX meeting_points_org ON meeting_points(organization_id);

-- People. Credentials and roles live with internal/auth; a person may exist without an account.
CREATE TABLE users (
    id {{id}},
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX users_org ON users(organization_id);
