-- An assignment event names what the chat was assigned to before as well as after, so its history
-- is true even when someone else changed the chat in between; names are kept beside the ids, which
-- may be deleted later.
ALTER TABLE chat_assignment_events ADD COLUMN previous_user_id INTEGER;
ALTER TABLE chat_assignment_events ADD COLUMN previous_user_name TEXT;
ALTER TABLE chat_assignment_events ADD COLUMN previous_group_id INTEGER;
ALTER TABLE chat_assignment_events ADD COLUMN previous_group_name TEXT;
