-- The session's own records: the minutes (biên bản) and the conclusion notice (thông báo kết
-- luận), edited by the secretary with a version check, every saved version kept with its hash.
CREATE TABLE session_records (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    kind TEXT NOT NULL CHECK (kind IN ('minutes', 'conclusion')),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at {{timestamp}} NOT NULL,
    UNIQUE (meeting_id, kind)
);

CREATE TABLE session_record_versions (
    record_id BIGINT NOT NULL REFERENCES session_records(id),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    saved_by BIGINT NOT NULL REFERENCES users(id),
    saved_at {{timestamp}} NOT NULL,
    PRIMARY KEY (record_id, version)
);

-- Approvals (phê duyệt): a draft sent to a named leader, who approves that exact version (its
-- hash is frozen here) or returns it with a comment.
CREATE TABLE approvals (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('minutes', 'conclusion', 'document')),
    subject_id BIGINT NOT NULL,
    subject_version INTEGER NOT NULL,
    subject_sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    leader_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'returned', 'withdrawn')),
    note TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at {{timestamp}} NOT NULL,
    decided_at {{timestamp}}
);
CREATE INDEX approvals_meeting ON approvals(meeting_id, status);
CREATE INDEX approvals_leader ON approvals(leader_id, status);
