-- The team: tags on chats, groups of agents, who handles a chat, resolved chats, saved responses,
-- availability, the admin's team settings and the business profile. Every change of a tag or an
-- assignment keeps a history row that names who did it.

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    web_inbox_color TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

-- A tag on a chat, at most once.
CREATE TABLE chat_taggings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wa_id TEXT NOT NULL REFERENCES chats (wa_id),
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    done_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (wa_id, tag_id)
);
CREATE INDEX chat_taggings_by_tag ON chat_taggings (tag_id, wa_id);

-- Who added or removed which tag, and when. The tag's name is kept: the tag may be deleted later.
CREATE TABLE chat_tagging_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wa_id TEXT NOT NULL,
    tag_id INTEGER,
    tag_name TEXT NOT NULL,
    tag_color TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL CHECK (action IN ('added', 'removed')),
    done_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    timestamp INTEGER NOT NULL
);
CREATE INDEX chat_tagging_events_by_chat ON chat_tagging_events (wa_id, id);

-- Groups of agents ("groups" is an SQL keyword).
CREATE TABLE agent_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES agent_groups (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id, group_id);

-- Who handles a chat (a user, a group, both or neither), and whether it is resolved: a resolved
-- chat opens again with the customer's next message.
ALTER TABLE chats ADD COLUMN assigned_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE chats ADD COLUMN assigned_group_id INTEGER REFERENCES agent_groups (id) ON DELETE SET NULL;
ALTER TABLE chats ADD COLUMN resolved_at INTEGER;
CREATE INDEX chats_by_assigned_user ON chats (assigned_user_id, last_message_at DESC);
CREATE INDEX chats_by_assigned_group ON chats (assigned_group_id, last_message_at DESC);

-- Every assignment as it was made; names are kept beside the ids, which may be deleted later.
CREATE TABLE chat_assignment_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wa_id TEXT NOT NULL,
    assigned_user_id INTEGER,
    assigned_user_name TEXT,
    assigned_group_id INTEGER,
    assigned_group_name TEXT,
    done_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- 1 when the instance assigned the chat itself (round-robin of a new conversation).
    automatic INTEGER NOT NULL DEFAULT 0,
    timestamp INTEGER NOT NULL
);
CREATE INDEX chat_assignment_events_by_chat ON chat_assignment_events (wa_id, id);

CREATE TABLE saved_responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);

ALTER TABLE users ADD COLUMN is_available INTEGER NOT NULL DEFAULT 1;

-- The admin's settings of the team: exactly one row.
CREATE TABLE team_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    -- Which chats an agent sees and writes to: 'all', those of their 'groups' (and their own),
    -- or only their 'own'.
    agent_chat_visibility TEXT NOT NULL DEFAULT 'all'
        CHECK (agent_chat_visibility IN ('all', 'groups', 'own')),
    -- New conversations are assigned round-robin over this group's available agents; NULL = off.
    auto_assign_group_id INTEGER REFERENCES agent_groups (id) ON DELETE SET NULL,
    -- The agent who got the last automatic assignment: the next one goes to the one after.
    last_auto_assigned_user_id INTEGER
);
INSERT INTO team_settings (id) VALUES (1);

-- The WhatsApp business profile as 360Dialog last returned it (JSON), and when.
CREATE TABLE business_profile (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    profile TEXT NOT NULL,
    synced_at INTEGER NOT NULL
);
