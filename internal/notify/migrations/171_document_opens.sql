-- Who has opened which document of a meeting, first time only: reminders go to invitees who
-- have not read the meeting's documents yet.
CREATE TABLE notify_document_opens (
    document_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    meeting_id BIGINT NOT NULL,
    first_at {{timestamp}} NOT NULL,
    PRIMARY KEY (document_id, user_id)
);
CREATE INDEX notify_document_opens_meeting ON notify_document_opens(meeting_id, user_id);
