-- The signatures in a filed file, in the order they were made (the leader's, then the agency's
-- seal): who signed, with which certificate and where the key was. The file itself is the
-- evidence; these rows say how it was signed, which the file does not (token, remote service).
CREATE TABLE register_signatures (
    entry_id BIGINT NOT NULL REFERENCES register_entries(id),
    revision INTEGER NOT NULL,
    role TEXT NOT NULL,
    method TEXT NOT NULL,
    key_location TEXT NOT NULL,
    signer TEXT NOT NULL,
    cert_serial TEXT NOT NULL,
    cert_issuer TEXT NOT NULL,
    signed_by BIGINT REFERENCES users(id),
    signed_at {{timestamp}} NOT NULL,
    PRIMARY KEY (entry_id, revision)
);
