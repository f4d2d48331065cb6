-- IndieAuth server: grants (one per authorization or CLI token), single-use authorization
-- codes and access/refresh tokens. Codes and tokens are stored ONLY as SHA-256 hashes.
-- Times are UTC 'YYYY-MM-DDTHH:MM:SSZ' text written by the application.
CREATE TABLE indieauth_grants (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    client_name TEXT,
    scope TEXT NOT NULL DEFAULT '',
    me TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('authorization_code', 'cli')),
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);

CREATE TABLE indieauth_codes (
    id INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    scope TEXT NOT NULL DEFAULT '',
    me TEXT NOT NULL,
    client_name TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    grant_id INTEGER REFERENCES indieauth_grants (id)
);
CREATE INDEX indieauth_codes_expires ON indieauth_codes (expires_at);

-- kind 'access' or 'refresh'; a refresh token is single use: redeeming it sets used_at and
-- issues a new pair in the same grant; presenting a used one again revokes the grant.
CREATE TABLE indieauth_tokens (
    id INTEGER PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES indieauth_grants (id),
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    used_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX indieauth_tokens_grant ON indieauth_tokens (grant_id);
