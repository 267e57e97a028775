-- An attempt is logged when it starts, before anything is sent, and completed with its outcome:
-- a crash in between leaves it without one. `duration_ms` is NULL until the attempt has ended;
-- `attempt` is its number (events.attempts when it was claimed), NULL for attempts logged before.
ALTER TABLE event_attempts ADD COLUMN attempt BIGINT;
ALTER TABLE event_attempts ALTER COLUMN duration_ms DROP NOT NULL;
