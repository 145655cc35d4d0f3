-- The meeting event log (outbox). Every state change of a meeting appends one row in the same
-- transaction; the row is published on NATS after commit, and clients that reconnect read what
-- they missed from here by sequence number. meeting_id carries no foreign key: the log sits below
-- the meetings table in the migration order, and meetings are archived, never deleted.
CREATE TABLE meeting_event_counters (
    meeting_id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE meeting_events (
    meeting_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    type TEXT NOT NULL,
    audience TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL,
    PRIMARY KEY (meeting_id, seq)
);
