-- Each server process keeps the keys it has verified in memory (src/auth/key-cache.ts). On Postgres it learns of
-- changes made by any process, the CLI and hand-written SQL included, through these notifications: the changed
-- key's hash, or an empty payload when a user changed (every key may be affected). Delivered on commit.
CREATE OR REPLACE FUNCTION critique_notify_key_changed() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'api_keys' THEN
    PERFORM pg_notify('critique_key_changed', OLD.hash);
  ELSE
    PERFORM pg_notify('critique_key_changed', '');
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER api_keys_changed AFTER UPDATE OR DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION critique_notify_key_changed();
--> statement-breakpoint
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION critique_notify_key_changed();
