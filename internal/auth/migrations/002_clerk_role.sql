-- The clerk (văn thư) keeps an organization's register of documents. The role list is a CHECK,
-- which SQLite cannot alter in place: the table is rebuilt (nothing refers to its ids).
CREATE TABLE user_roles_new (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'secretary', 'clerk')),
    organization_id BIGINT REFERENCES organizations(id),
    CHECK ((role = 'admin' AND organization_id IS NULL) OR (role <> 'admin' AND organization_id IS NOT NULL))
);
INSERT INTO user_roles_new (user_id, role, organization_id) SELECT user_id, role, organization_id FROM user_roles ORDER BY id;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;
CREATE UNIQUE INDEX user_roles_unique ON user_roles(user_id, role, COALESCE(organization_id, 0));
