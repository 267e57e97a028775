-- The instance's own settings: exactly one row.
CREATE TABLE instance (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id TEXT NOT NULL,
    public_origin TEXT NOT NULL,
    platform_token_sha256 TEXT NOT NULL,
    max_number_of_seats INTEGER NOT NULL CHECK (max_number_of_seats >= 1),
    d360_api_key TEXT,
    d360_messaging_url TEXT,
    -- SHA-256 of the seats and 360Dialog settings last read from a bootstrap file: they are
    -- applied again only when the file says something new.
    bootstrap_platform_sha256 TEXT NOT NULL,
    -- Key of the HMAC that makes CSRF tokens; made once on the first start.
    form_key BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'configurator')),
    -- PHC string (argon2id); NULL until the user has a password (the configurator never has one).
    password_hash TEXT,
    date_joined INTEGER NOT NULL
);

-- API tokens (`Authorization: Token …`), stored as SHA-256 hex.
CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    from_bootstrap INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- Web sessions of the admin panel and of the web inbox, stored as SHA-256 hex.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    area TEXT NOT NULL CHECK (area IN ('admin', 'inbox')),
    -- 1 for the session opened by the activation link, until its password is saved.
    must_set_password INTEGER NOT NULL DEFAULT 0,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- The admin's activation code: at most one at a time.
CREATE TABLE activation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_sha256 TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
