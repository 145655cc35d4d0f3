-- Ngày chuyển and ký nhận: the register's last columns are written when the document is handed
-- over, after filing. Entries stay immutable, so each hand-over is a row of its own.
CREATE TABLE register_deliveries (
    id {{id}},
    entry_id BIGINT NOT NULL REFERENCES register_entries(id),
    sent_on TEXT NOT NULL,
    received_by TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at {{timestamp}} NOT NULL
);
CREATE INDEX register_deliveries_entry ON register_deliveries(entry_id);
