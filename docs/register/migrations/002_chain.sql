-- Tamper evidence: each entry carries the hash of the previous entry of its register and a hash
-- over its own columns and that link, so editing or removing a filed entry breaks the chain.
ALTER TABLE register_entries ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE register_entries ADD COLUMN entry_hash TEXT NOT NULL DEFAULT '';
