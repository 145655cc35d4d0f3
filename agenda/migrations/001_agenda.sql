-- Agenda items (chương trình họp): ordered within their parent, with optional sub-items.
CREATE TABLE agenda_items (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    parent_id BIGINT REFERENCES agenda_items(id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    presenter TEXT NOT NULL DEFAULT '',
    planned_minutes INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'discussing', 'done')),
    spent_seconds INTEGER NOT NULL DEFAULT 0,
    created_at {{timestamp}} NOT NULL,
    updated_at {{timestamp}} NOT NULL
);
CREATE INDEX agenda_items_meeting ON agenda_items(meeting_id, parent_id, position);

-- The item under discussion, and since when (time spent is added when it changes).
CREATE TABLE agenda_current (
    meeting_id BIGINT PRIMARY KEY REFERENCES meetings(id),
    item_id BIGINT REFERENCES agenda_items(id),
    since {{timestamp}}
);
