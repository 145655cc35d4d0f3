-- Recordings of the video conference are documents of their own kind. SQLite cannot alter a
-- CHECK in place, so the table is rebuilt. Versions, readers and notes refer to it: with foreign
-- keys checked at commit, dropping the old table orphans them for a moment and refilling the new
-- one under the same name adopts them again. The AUTOINCREMENT counter is carried over so that
-- ids are never reused.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE documents_copy AS SELECT * FROM documents;
CREATE TABLE documents_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'documents';
DROP TABLE documents;
CREATE TABLE documents (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    agenda_item_id BIGINT REFERENCES agenda_items(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reference', 'draft', 'recording')),
    access TEXT NOT NULL CHECK (access IN ('all', 'named', 'organizers')),
    readable_until {{timestamp}},
    current_version INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at {{timestamp}} NOT NULL
);
INSERT INTO documents (id, meeting_id, agenda_item_id, title, kind, access, readable_until, current_version, created_by, created_at)
    SELECT id, meeting_id, agenda_item_id, title, kind, access, readable_until, current_version, created_by, created_at
    FROM documents_copy ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'documents';
INSERT INTO sqlite_sequence (name, seq) SELECT 'documents', MAX(seq) FROM (
    SELECT seq FROM documents_seq UNION ALL SELECT MAX(id) FROM documents_copy) WHERE seq IS NOT NULL HAVING COUNT(*) > 0;
DROP TABLE documents_copy;
DROP TABLE documents_seq;
CREATE INDEX documents_meeting ON documents(meeting_id);
