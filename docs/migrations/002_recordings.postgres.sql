-- Recordings of the video conference are documents of their own kind.
ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('reference', 'draft', 'recording'));
