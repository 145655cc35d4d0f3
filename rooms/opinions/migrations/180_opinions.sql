-- Written opinion forms (phiếu lấy ý kiến): a draft of a meeting (one document version, its hash
-- frozen here) sent with questions to named people and units, with a deadline.
CREATE TABLE opinion_forms (
    id {{id}},
    meeting_id BIGINT NOT NULL REFERENCES meetings(id),
    title TEXT NOT NULL,
    draft_version_id BIGINT NOT NULL REFERENCES document_versions(id),
    draft_sha256 TEXT NOT NULL,
    deadline {{timestamp}} NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at {{timestamp}} NOT NULL,
    closed_by BIGINT REFERENCES users(id),
    closed_at {{timestamp}},
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
CREATE INDEX opinion_forms_meeting ON opinion_forms(meeting_id);

CREATE TABLE opinion_questions (
    form_id BIGINT NOT NULL REFERENCES opinion_forms(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (form_id, position)
);

-- A recipient is a person, who answers for themself, or a unit, whose people answer for it.
CREATE TABLE opinion_recipients (
    id {{id}},
    form_id BIGINT NOT NULL REFERENCES opinion_forms(id),
    user_id BIGINT REFERENCES users(id),
    organization_id BIGINT REFERENCES organizations(id),
    CHECK ((user_id IS NULL) <> (organization_id IS NULL)),
    UNIQUE (form_id, user_id),
    UNIQUE (form_id, organization_id),
    UNIQUE (id, form_id)
);

-- Answers are final: a correction is a new revision of the recipient's answer, and the latest
-- revision counts. The composite key keeps an answer on its own form's recipient list.
CREATE TABLE opinion_answers (
    id {{id}},
    form_id BIGINT NOT NULL,
    recipient_id BIGINT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision > 0),
    answered_by BIGINT NOT NULL REFERENCES users(id),
    answered_at {{timestamp}} NOT NULL,
    attachment_sha256 TEXT REFERENCES blobs(sha256),
    attachment_name TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (recipient_id, form_id) REFERENCES opinion_recipients(id, form_id),
    UNIQUE (recipient_id, revision)
);
CREATE INDEX opinion_answers_form ON opinion_answers(form_id);

CREATE TABLE opinion_answer_items (
    answer_id BIGINT NOT NULL REFERENCES opinion_answers(id),
    position INTEGER NOT NULL,
    choice TEXT NOT NULL CHECK (choice IN ('agree', 'disagree', 'other')),
    text TEXT NOT NULL DEFAULT '',
    CHECK (choice <> 'other' OR text <> ''),
    PRIMARY KEY (answer_id, position)
);

CREATE TABLE opinion_reminders (
    id {{id}},
    form_id BIGINT NOT NULL REFERENCES opinion_forms(id),
    sent_by BIGINT NOT NULL REFERENCES users(id),
    sent_at {{timestamp}} NOT NULL,
    recipients INTEGER NOT NULL
);

-- The summary (tổng hợp ý kiến), edited by the secretary with a version check; every save is
-- rendered to a PDF that becomes a new version of the summary's document in the meeting, which
-- is what is sent for approval and filed.
CREATE TABLE opinion_summaries (
    form_id BIGINT PRIMARY KEY REFERENCES opinion_forms(id),
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    document_id BIGINT NOT NULL REFERENCES documents(id),
    document_version_id BIGINT NOT NULL REFERENCES document_versions(id),
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at {{timestamp}} NOT NULL
);
