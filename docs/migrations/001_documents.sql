-- Documents of meetings: content-addressed files (blobs), documents with versions, who may read
-- them, private notes per page and comments on drafts (góp ý dự thảo).
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL
);

CREATE TABLE documents (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    agenda_item_id BIGINT REFERENCES agenda_items(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('reference', 'draft')),
    access TEXT NOT NULL CHECK (access IN ('all', 'named', 'organizers')),
    readable_until {{timestamp}},
    current_version INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX documents_meeting ON documents(meeting_id);

CREATE TABLE document_versions (
    id {{id}},
    document_id BIGINT NOT NULL REFERENCES documents(id),
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs(sha256),
    size BIGINT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users(id),
    uploaded_at {{timestamp}} NOT NULL,
    UNIQUE (document_id, version)
);

CREATE TABLE document_readers (
    document_id BIGINT NOT NULL REFERENCES documents(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (document_id, user_id)
);

CREATE TABLE document_notes (
    document_id BIGINT NOT NULL REFERENCES documents(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    page INTEGER NOT NULL,
    text TEXT NOT NULL,
    updated_at {{timestamp}} NOT NULL,
    PRIMARY KEY (document_id, user_id, page)
);

CREATE TABLE document_comments (
    id {{id}},
    version_id BIGINT NOT NULL REFERENCES document_versions(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    page INTEGER,
    text TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'declined')),
    decided_by BIGINT REFERENCES users(id),
    decided_at {{timestamp}},
    created_at {{timestamp}} NOT NULL
);
CREATE INDEX document_comments_version ON document_comments(version_id);
