-- The audit log (package internal/audit): who did what, when, from where. It ships with the
-- accounts' schema because every component that records into it depends on accounts already.
-- Rows are never changed: each row's hash covers its columns and the previous row's hash, so an
-- edit, a removal or an insertion in the middle is found by `phonghop verify`.
CREATE TABLE audit_log (
    id {{bigint}} PRIMARY KEY,          -- 1, 2, 3, ... without gaps, taken from audit_head
    at {{timestamp}} NOT NULL,
    actor_id {{bigint}},                 -- NULL: no one signed in (a failed sign-in, the system)
    actor_name TEXT NOT NULL,            -- the username at the time, kept if the account changes
    action TEXT NOT NULL,                -- e.g. auth.sign_in, vote.opened, document.download
    object TEXT NOT NULL,                -- e.g. meeting:12, document:5, register_entry:7
    meeting_id {{bigint}},
    detail TEXT NOT NULL,                -- small JSON
    address TEXT NOT NULL,               -- the client's IP
    request_id TEXT NOT NULL,            -- the X-Request-ID of the request, as in the server's log
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- The head of the chain, one row: appenders take turns on it, so ids follow commit order.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id {{bigint}} NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '');

-- The retention job deletes the oldest rows only after writing here the hash of the last one it
-- deletes, so the chain still verifies from that point.
CREATE TABLE audit_checkpoints (
    id {{id}},
    through_id {{bigint}} NOT NULL,
    through_hash TEXT NOT NULL,
    deleted {{bigint}} NOT NULL,
    at {{timestamp}} NOT NULL
);
