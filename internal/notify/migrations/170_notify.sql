-- Notifications outbox: one row per (change, recipient, channel), written in the transaction that
-- makes the change and sent after commit by the sender loop. The unique key is what keeps one
-- change from ever yielding two notifications to one person on one channel. user_id and
-- meeting_id carry no foreign keys: the outbox sits below the domain tables in the migration
-- order, and neither people nor meetings are deleted.
CREATE TABLE notifications (
    id {{id}},
    dedup_key TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    meeting_id BIGINT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    -- The address at the time of the change (e-mail); a later change of address does not
    -- redirect a notification already queued.
    address TEXT NOT NULL DEFAULT '',
    -- An iCalendar object (METHOD:REQUEST or CANCEL) sent with the e-mail, built at enqueue so
    -- every retry sends the same bytes.
    calendar TEXT NOT NULL DEFAULT '',
    -- Stable per row: a resend after a crash carries the same Message-ID, so mail clients and
    -- servers that deduplicate show it once.
    message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at {{timestamp}} NOT NULL,
    claimed_until {{timestamp}},
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{timestamp}} NOT NULL,
    sent_at {{timestamp}},
    read_at {{timestamp}},
    UNIQUE (dedup_key, user_id, channel)
);
CREATE INDEX notifications_due ON notifications(status, next_at);
CREATE INDEX notifications_user ON notifications(user_id, channel, id);
CREATE INDEX notifications_meeting ON notifications(meeting_id, kind);

-- Each calendar object's SEQUENCE (RFC 5545 3.8.7.4): raised with every change sent, so
-- calendars replace the event instead of adding a second one.
CREATE TABLE notify_calendar_sequences (
    uid TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL,
    updated_at {{timestamp}} NOT NULL
);

-- What each person chose: their e-mail address and which channels they want.
CREATE TABLE notify_settings (
    user_id BIGINT PRIMARY KEY,
    email TEXT NOT NULL DEFAULT '',
    email_on BOOLEAN NOT NULL DEFAULT TRUE,
    inapp_on BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at {{timestamp}} NOT NULL
);

-- Calendar feed tokens: only the SHA-256 of the secret is kept; revoking deletes the row.
CREATE TABLE notify_feed_tokens (
    user_id BIGINT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at {{timestamp}} NOT NULL
);
