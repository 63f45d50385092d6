-- Large files over HTTP (the RunMat Rust client's download-url and upload-session protocol):
-- capability URLs that work without the bearer token, and upload sessions staged in a hidden
-- inode until they are completed.
--
-- A capability is a random secret ('tbd_' (download) or 'tbu_' (upload) || tenant id || '_' ||
-- 64 hex digits) carried in a URL; only its SHA-256 is stored, under tenant_id like the bearer
-- tokens (tarbox.token). Each names the token that created it: a revoked or expired token's
-- capabilities stop working (checked on every use), and they go with the token's row.

-- EMFILE: too many open upload sessions or download URLs for one tenant (HTTP 429).
INSERT INTO tarbox.errno (name, num, meaning)
VALUES ('EMFILE', 24, 'too many open files (a per-tenant bound on open upload sessions or download URLs)')
ON CONFLICT (name) DO NOTHING;

-- tarbox.download_url: a capability to read one version (inode + etag) of one file.
CREATE TABLE tarbox.download_url (
    tenant_id  bigint      NOT NULL,
    hash       bytea       NOT NULL CHECK (octet_length(hash) = 32),
    token_id   bigint      NOT NULL,
    ino        bigint      NOT NULL,
    etag       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, hash),
    FOREIGN KEY (tenant_id, token_id) REFERENCES tarbox.token (tenant_id, token_id) ON DELETE CASCADE,
    CONSTRAINT download_url_expiry CHECK (expires_at > created_at)
);
CREATE INDEX download_url_expires ON tarbox.download_url (tenant_id, expires_at);
CREATE INDEX download_url_token ON tarbox.download_url (tenant_id, token_id);
ALTER TABLE tarbox.download_url OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.download_url IS
    'Download capabilities of the HTTP API (GET /fs/download-url): sha256 of the secret only, the token that made it, the inode and etag it may read (one version of one file), expiry. Made by tarbox.remote_download_url, checked by tarbox.tenant_capability_auth and tarbox.remote_download_read.';

-- tarbox.upload_session: one upload of a large file, staged in inode ino (nlink 0, no entry:
-- invisible to lookup and readdir) until tarbox.remote_upload_complete links it at path.
CREATE TABLE tarbox.upload_session (
    tenant_id   bigint      NOT NULL,
    session_id  bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    token_id    bigint      NOT NULL,
    path        bytea       NOT NULL,
    size        bigint      NOT NULL CHECK (size >= 0),
    sha256      text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    chunk_size  bigint      NOT NULL CHECK (chunk_size > 0),
    layer_id    int         NOT NULL,
    ino         bigint      NOT NULL,
    hash        bytea       CHECK (octet_length(hash) = 32),
    chunk_count int         CHECK (chunk_count >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, session_id),
    UNIQUE (tenant_id, hash),
    UNIQUE (tenant_id, ino),
    FOREIGN KEY (tenant_id, token_id) REFERENCES tarbox.token (tenant_id, token_id) ON DELETE CASCADE,
    CONSTRAINT upload_session_expiry CHECK (expires_at > created_at),
    CONSTRAINT upload_session_chunks CHECK ((hash IS NULL) = (chunk_count IS NULL))
);
CREATE INDEX upload_session_expires ON tarbox.upload_session (tenant_id, expires_at);
CREATE INDEX upload_session_token ON tarbox.upload_session (tenant_id, token_id);
ALTER TABLE tarbox.upload_session OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.upload_session IS
    'Upload sessions of the HTTP API (POST /fs/upload-session/start): target path, size and SHA-256 announced, chunk size, the layer and the hidden staging inode (nlink 0, no entry), sha256 of the chunk-URL secret once the chunks are described, expiry. Rows of tarbox.upload_chunk belong to it.';

-- tarbox.upload_chunk: the chunks a session announced (offset, size, SHA-256) and how far each
-- has arrived.
CREATE TABLE tarbox.upload_chunk (
    tenant_id   bigint  NOT NULL,
    session_id  bigint  NOT NULL,
    chunk_index int     NOT NULL CHECK (chunk_index >= 0),
    offset_     bigint  NOT NULL CHECK (offset_ >= 0),
    size        bigint  NOT NULL CHECK (size > 0),
    sha256      text    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    received    bigint  NOT NULL DEFAULT 0 CHECK (received BETWEEN 0 AND size),
    done        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, session_id, chunk_index),
    FOREIGN KEY (tenant_id, session_id) REFERENCES tarbox.upload_session (tenant_id, session_id) ON DELETE CASCADE,
    CONSTRAINT upload_chunk_done CHECK (NOT done OR received = size)
);
ALTER TABLE tarbox.upload_chunk OWNER TO tarbox_owner;
COMMENT ON TABLE tarbox.upload_chunk IS
    'The chunks of an upload session: byte offset and size in the file, the SHA-256 the client announced, bytes received by the current PUT, and whether the chunk arrived whole with that hash.';

DO $rls$
DECLARE
    v text;
BEGIN
    FOREACH v IN ARRAY ARRAY['download_url', 'upload_session', 'upload_chunk'] LOOP
        EXECUTE format('ALTER TABLE tarbox.%I ENABLE ROW LEVEL SECURITY', v);
        EXECUTE format('ALTER TABLE tarbox.%I FORCE ROW LEVEL SECURITY', v);
        EXECUTE format('CREATE POLICY %I ON tarbox.%I USING (tenant_id = tarbox._tenant_id()) '
                       'WITH CHECK (tenant_id = tarbox._tenant_id())', v || '_own', v);
        EXECUTE format('GRANT ALL ON tarbox.%I TO tarbox_maint', v);
    END LOOP;
END
$rls$;

-- No per-value planner statistics on what carries a tenant's data (see 0041;
-- tests/security/test_statistics.py).
ALTER TABLE tarbox.download_url ALTER COLUMN tenant_id SET STATISTICS 0,
    ALTER COLUMN hash SET STATISTICS 0, ALTER COLUMN etag SET STATISTICS 0,
    ALTER COLUMN created_at SET STATISTICS 0, ALTER COLUMN expires_at SET STATISTICS 0;
ALTER TABLE tarbox.upload_session ALTER COLUMN tenant_id SET STATISTICS 0,
    ALTER COLUMN path SET STATISTICS 0, ALTER COLUMN size SET STATISTICS 0,
    ALTER COLUMN sha256 SET STATISTICS 0, ALTER COLUMN chunk_size SET STATISTICS 0,
    ALTER COLUMN hash SET STATISTICS 0, ALTER COLUMN chunk_count SET STATISTICS 0,
    ALTER COLUMN created_at SET STATISTICS 0, ALTER COLUMN expires_at SET STATISTICS 0;
ALTER TABLE tarbox.upload_chunk ALTER COLUMN tenant_id SET STATISTICS 0,
    ALTER COLUMN chunk_index SET STATISTICS 0, ALTER COLUMN offset_ SET STATISTICS 0,
    ALTER COLUMN size SET STATISTICS 0, ALTER COLUMN sha256 SET STATISTICS 0,
    ALTER COLUMN received SET STATISTICS 0, ALTER COLUMN done SET STATISTICS 0;
