-- The state of record of the control plane. Times are Unix milliseconds; JSON is stored as text.

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    hub_url TEXT,
    hub_partner_id TEXT,
    hub_api_key_sealed TEXT,
    messaging_url TEXT,
    webhook_secret_sealed TEXT NOT NULL,
    previous_webhook_secret_sealed TEXT,
    previous_webhook_secret_until BIGINT,
    allow_loopback_webhooks BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_by_prefix ON api_keys(prefix);
CREATE INDEX api_keys_by_partner ON api_keys(partner_id);

CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    subdomain TEXT NOT NULL,
    status TEXT NOT NULL,
    channel_id TEXT,
    d360_api_key_sealed TEXT,
    d360_api_key_hint TEXT,
    phone_number TEXT,
    admin_email TEXT,
    activation_code_sealed TEXT NOT NULL,
    generate_activation BIGINT NOT NULL,
    configurator_user_name TEXT,
    webhook_url TEXT,
    webhook_headers TEXT NOT NULL DEFAULT '{}',
    max_number_of_seats BIGINT NOT NULL,
    errors TEXT NOT NULL DEFAULT '[]',
    endpoint TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    ready_at BIGINT,
    deleted_at BIGINT
);
-- A subdomain and a phone number belong to at most one instance that is not deleted.
CREATE UNIQUE INDEX instances_live_subdomain ON instances(subdomain) WHERE status <> 'deleted';
CREATE UNIQUE INDEX instances_live_phone_number ON instances(phone_number)
    WHERE status <> 'deleted' AND phone_number IS NOT NULL;
CREATE INDEX instances_by_partner ON instances(partner_id, created_at);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances(id),
    payload TEXT NOT NULL DEFAULT '{}',
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    outcome TEXT
);
CREATE INDEX jobs_pending ON jobs(run_at) WHERE finished_at IS NULL;
CREATE INDEX jobs_by_instance ON jobs(instance_id);

CREATE TABLE job_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id BIGINT NOT NULL REFERENCES jobs(id),
    worker TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    error TEXT
);
CREATE INDEX job_attempts_by_job ON job_attempts(job_id);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    instance_id TEXT NOT NULL REFERENCES instances(id),
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    headers TEXT NOT NULL DEFAULT '{}',
    payload_sealed TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX events_due ON events(next_attempt_at) WHERE status = 'pending';
CREATE INDEX events_by_instance ON events(instance_id, created_at);

CREATE TABLE event_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL REFERENCES events(id),
    attempted_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    http_status BIGINT,
    error TEXT,
    response_body TEXT,
    next_attempt_at BIGINT
);
CREATE INDEX event_attempts_by_event ON event_attempts(event_id);

CREATE TABLE idempotency_keys (
    partner_id TEXT NOT NULL REFERENCES partners(id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code BIGINT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    locked_until BIGINT,
    PRIMARY KEY (partner_id, key)
);

-- State of the built-in 360Dialog emulator of the sandbox: the keys it issued.
CREATE TABLE sandbox_d360_keys (
    api_key TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sandbox_d360_keys_by_channel ON sandbox_d360_keys(channel_id);
