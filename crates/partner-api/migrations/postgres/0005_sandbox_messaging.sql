-- The messaging side of the sandbox's 360Dialog emulator: where each channel's webhooks go, the
-- messages sent and received (inbound ones open the 24-hour window), uploaded media, and
-- simulated outages. JSON is text; media bytes are base64 text, which both backends store alike.
CREATE TABLE sandbox_d360_webhooks (
    channel_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    headers TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sandbox_d360_messages (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wamid TEXT NOT NULL UNIQUE,
    channel_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    customer_wa_id TEXT NOT NULL,
    body TEXT NOT NULL,
    media_sha256 TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX sandbox_d360_messages_by_customer
    ON sandbox_d360_messages(channel_id, direction, customer_wa_id, created_at);

CREATE TABLE sandbox_d360_media (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    mime_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    data_base64 TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sandbox_d360_outages (
    channel_id TEXT PRIMARY KEY,
    until_ms BIGINT NOT NULL
);
