-- Recordings of the video conference (ghi hình). The chair or the secretary starts and stops
-- one; the media server writes the file; once imported it is a document of the meeting. At most
-- one recording runs in a meeting at a time.
CREATE TABLE meeting_recordings (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    status TEXT NOT NULL CHECK (status IN ('recording', 'stopping', 'done', 'failed')),
    started_at {{timestamp}} NOT NULL,
    started_by BIGINT NOT NULL REFERENCES users(id),
    stopped_at {{timestamp}},
    stopped_by BIGINT REFERENCES users(id),
    document_id BIGINT REFERENCES documents(id),
    duration_ms BIGINT NOT NULL DEFAULT 0,
    bytes BIGINT NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    finished_at {{timestamp}}
);
CREATE INDEX meeting_recordings_meeting ON meeting_recordings(meeting_id, id);
CREATE UNIQUE INDEX meeting_recordings_running ON meeting_recordings(meeting_id) WHERE status = 'recording';
