-- Messaging: the people who write to the number, the messages both ways, media, the outbox of
-- messages not yet accepted by 360Dialog, and the number's message templates.

-- One row per customer: the person (WhatsApp profile name) and the chat with them.
CREATE TABLE chats (
    wa_id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    -- The newest message either way, for the chat list.
    last_message_id INTEGER,
    last_message_at INTEGER NOT NULL,
    -- The customer's newest message: WhatsApp's 24-hour customer-service window runs from it.
    last_inbound_at INTEGER,
    -- Inbound messages not yet marked as received by an agent.
    new_messages INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX chats_by_recency ON chats (last_message_at DESC, wa_id);
CREATE INDEX chats_unread_by_recency ON chats (last_message_at DESC, wa_id) WHERE new_messages > 0;

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    -- WhatsApp's id; NULL for an outgoing message 360Dialog has not accepted yet.
    wamid TEXT UNIQUE,
    wa_id TEXT NOT NULL REFERENCES chats (wa_id),
    from_us INTEGER NOT NULL,
    type TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    -- The Cloud API message, exactly as received or sent.
    waba_payload TEXT NOT NULL,
    -- What search finds the message by: its text, caption, file name or template name.
    search_text TEXT NOT NULL DEFAULT '',
    sender_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    received INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER,
    delivered_at INTEGER,
    read_at INTEGER,
    -- A `failed` status or a refusal by 360Dialog; `errors` holds the Cloud API errors (JSON).
    failed_at INTEGER,
    errors TEXT
);
CREATE INDEX messages_by_chat ON messages (wa_id, timestamp DESC, id DESC);
CREATE INDEX messages_by_time ON messages (timestamp DESC, id DESC);

CREATE VIRTUAL TABLE messages_search USING fts5 (
    search_text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF search_text ON messages BEGIN
    INSERT INTO messages_search (messages_search, rowid, search_text)
    VALUES ('delete', old.id, old.search_text);
    INSERT INTO messages_search (rowid, search_text) VALUES (new.id, new.search_text);
END;

-- Outgoing messages accepted from an agent or an integration and not yet accepted by 360Dialog.
-- They are sent in id order, each until 360Dialog accepts or refuses it.
CREATE TABLE outbox (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT
);

-- Files: WhatsApp's media id for received media, our own id for uploads. The bytes live in
-- `<data-dir>/media/<id>` once `stored` is 1.
CREATE TABLE media (
    id TEXT PRIMARY KEY,
    mime_type TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    size INTEGER,
    sha256 TEXT,
    stored INTEGER NOT NULL DEFAULT 0,
    -- 360Dialog's id of an upload, once it was uploaded there to be sent.
    d360_media_id TEXT,
    created_at INTEGER NOT NULL
);

-- The number's message templates, as 360Dialog last listed them.
CREATE TABLE templates (
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    waba_template TEXT NOT NULL,
    PRIMARY KEY (name, language)
);

-- Statuses that arrived before the message they are about was recorded as sent (360Dialog can
-- be faster than our own commit); applied when it is.
CREATE TABLE early_statuses (
    wamid TEXT NOT NULL,
    status TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    errors TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX early_statuses_by_wamid ON early_statuses (wamid);
