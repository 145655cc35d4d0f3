-- The register of outgoing documents (sổ văn bản đi), per organization, year and series
-- (confidential documents have their own). last_number is taken in the transaction that files
-- the entry, so numbers are consecutive and a failed filing leaves no gap.
CREATE TABLE registers (
    id {{id}},
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    year INTEGER NOT NULL,
    series TEXT NOT NULL CHECK (series IN ('regular', 'confidential')),
    last_number INTEGER NOT NULL DEFAULT 0,
    UNIQUE (organization_id, year, series)
);

-- Entries are never edited: a correction is a new entry that names the one it corrects.
CREATE TABLE register_entries (
    id {{id}},
    register_id BIGINT NOT NULL REFERENCES registers(id),
    number INTEGER NOT NULL,
    symbol TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    doc_date TEXT NOT NULL,
    summary TEXT NOT NULL,
    signer TEXT NOT NULL,
    recipients TEXT NOT NULL DEFAULT '',
    archive_unit TEXT NOT NULL DEFAULT '',
    copies INTEGER NOT NULL DEFAULT 1,
    notes TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    meeting_id BIGINT REFERENCES meetings(id),
    source TEXT NOT NULL DEFAULT '',
    corrects_id BIGINT REFERENCES register_entries(id),
    filed_by BIGINT NOT NULL REFERENCES users(id),
    filed_at {{timestamp}} NOT NULL,
    UNIQUE (register_id, number)
);
CREATE INDEX register_entries_meeting ON register_entries(meeting_id);
