-- The periodic check of every ready instance's 360Dialog key. `d360_key_check_at`: when its next
-- check is due (NULL: one interval after `ready_at`); a replica claims a check by moving it
-- forward with a conditional update, so two replicas never check one instance at once.
-- `d360_key_rejected_at`: since when 360Dialog rejects the stored key; set once per rejection
-- (which is what queues the one `errors` event) and cleared when a new key is stored.
ALTER TABLE instances ADD COLUMN d360_key_check_at BIGINT;
ALTER TABLE instances ADD COLUMN d360_key_rejected_at BIGINT;
