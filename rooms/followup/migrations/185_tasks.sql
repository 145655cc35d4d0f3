-- Tasks from the conclusions of a meeting's conclusion notice (thông báo kết luận): a unit with
-- an owner and a deadline. Overdue (quá hạn) is not stored: it is read from the deadline and the
-- status whenever a task is shown, so it is never stale. overdue_notified_at only records that
-- the overdue notice went out, once.
CREATE TABLE tasks (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    conclusion_index INTEGER NOT NULL CHECK (conclusion_index >= 0),
    conclusion_version INTEGER NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    owner_id BIGINT REFERENCES users(id),
    deadline {{timestamp}} NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    done_at {{timestamp}},
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at {{timestamp}} NOT NULL,
    overdue_notified_at {{timestamp}},
    CHECK ((status = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX tasks_meeting ON tasks(meeting_id);
CREATE INDEX tasks_organization ON tasks(organization_id, status);
CREATE INDEX tasks_open_deadline ON tasks(status, deadline);

-- Progress reports of the unit, each with its status and an optional file; never edited.
CREATE TABLE task_reports (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('todo', 'in_progress', 'done')),
    text TEXT NOT NULL,
    attachment_sha256 TEXT REFERENCES blobs(sha256),
    attachment_name TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX task_reports_task ON task_reports(task_id);
