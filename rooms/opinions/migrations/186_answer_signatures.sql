-- A member's signature of one answer revision: given once, by its answerer, never changed.
-- sha256 is the hash of the answer's canonical bytes (opinions.Canonical) the signature covers.
CREATE TABLE opinion_answer_signatures (
    answer_id BIGINT PRIMARY KEY REFERENCES opinion_answers(id),
    sha256 TEXT NOT NULL,
    cms {{blob}} NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('remote', 'token')),
    signer TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    signed_by BIGINT NOT NULL REFERENCES users(id),
    signed_at {{timestamp}} NOT NULL
);
