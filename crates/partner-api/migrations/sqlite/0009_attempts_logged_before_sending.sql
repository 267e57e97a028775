-- An attempt is logged when it starts, before anything is sent, and completed with its outcome:
-- a crash in between leaves it without one. `duration_ms` is NULL until the attempt has ended;
-- `attempt` is its number (events.attempts when it was claimed), NULL for attempts logged before.
-- SQLite cannot drop a NOT NULL constraint: the table is built again with the same rows and ids.
CREATE TABLE event_attempts_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL REFERENCES events(id),
    attempt BIGINT,
    attempted_at BIGINT NOT NULL,
    duration_ms BIGINT,
    http_status BIGINT,
    error TEXT,
    response_body TEXT,
    next_attempt_at BIGINT
);
INSERT INTO event_attempts_new (id, event_id, attempted_at, duration_ms, http_status, error, response_body, next_attempt_at)
    SELECT id, event_id, attempted_at, duration_ms, http_status, error, response_body, next_attempt_at FROM event_attempts;
DROP TABLE event_attempts;
ALTER TABLE event_attempts_new RENAME TO event_attempts;
CREATE INDEX event_attempts_by_event ON event_attempts(event_id);
