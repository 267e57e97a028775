-- A fresh activation link (`POST /v1/instances/{id}/activation`) replaces the sealed code and
-- starts its lifetime again: `activation_issued_at` (milliseconds) is when the current code was
-- issued; NULL means at the create.
ALTER TABLE instances ADD COLUMN activation_issued_at BIGINT;
