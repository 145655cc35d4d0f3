-- The floor (đăng ký phát biểu): requests to speak, per agenda item, and the speeches they became.
CREATE TABLE floor_requests (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    agenda_item_id BIGINT REFERENCES agenda_items(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    meeting_point_id BIGINT REFERENCES meeting_points(id),
    topic TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('waiting', 'speaking', 'done', 'skipped', 'withdrawn')),
    position INTEGER NOT NULL,
    limit_seconds INTEGER NOT NULL DEFAULT 0,
    requested_at {{timestamp}} NOT NULL,
    started_at {{timestamp}},
    ended_at {{timestamp}},
    decided_by BIGINT REFERENCES users(id)
);
CREATE INDEX floor_requests_meeting ON floor_requests(meeting_id, status, position);

-- Per-meeting session settings kept by the chair.
CREATE TABLE session_settings (
    meeting_id BIGINT PRIMARY KEY REFERENCES meetings(id),
    speaking_seconds INTEGER NOT NULL
);
