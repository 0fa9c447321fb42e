-- Unfinished conversations (a draft request with its address, and where the conversation
-- stood) are purged once nobody has touched them for 7 days: each row says when it was
-- last written. Rows from before this migration count from now.
ALTER TABLE user_data ADD COLUMN updated_at REAL;
ALTER TABLE conversation_states ADD COLUMN updated_at REAL;
UPDATE user_data SET updated_at = CAST(strftime('%s', 'now') AS REAL);
UPDATE conversation_states SET updated_at = CAST(strftime('%s', 'now') AS REAL);
