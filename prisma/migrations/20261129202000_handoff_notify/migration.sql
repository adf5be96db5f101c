-- Every change of a conversation writes a handoff_message row (system ones included): tell the
-- console's live pages at commit (src/db/handoff-changes.ts listens). Postgres delivers one
-- notification per transaction and channel. The migration runner splits statements at every
-- semicolon, even in strings and comments, so the function body spells its own as \073 (octal, in
-- an E'' string).
CREATE FUNCTION handoff_message_notify() RETURNS trigger LANGUAGE plpgsql
  AS E'BEGIN PERFORM pg_notify(''handoff_changed'', '''')\073 RETURN NULL\073 END';

CREATE TRIGGER handoff_message_notify AFTER INSERT ON handoff_message
  FOR EACH STATEMENT EXECUTE FUNCTION handoff_message_notify();
