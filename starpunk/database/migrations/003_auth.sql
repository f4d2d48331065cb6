-- Owner authentication: the password hash, browser sessions, and the shared rate limiter.
-- Times are UTC 'YYYY-MM-DDTHH:MM:SSZ' text written by the application.

-- The single owner's password, as a self-describing KDF string (algorithm$params$salt$hash).
CREATE TABLE owner_password (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    password_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Signed-in browsers. Only the SHA-256 of the random cookie token is stored.
CREATE TABLE owner_sessions (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX owner_sessions_expires ON owner_sessions (expires_at);

-- Rate limiting shared by every worker: one row per counted request (a sliding log).
-- at/expires are Unix seconds (REAL); rows whose window has passed are pruned on each check.
CREATE TABLE rate_hits (
    id INTEGER PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    at REAL NOT NULL,
    expires REAL NOT NULL
);
CREATE INDEX rate_hits_key ON rate_hits (bucket, key, at);
CREATE INDEX rate_hits_expires ON rate_hits (expires);
