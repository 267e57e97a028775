-- The emulator's WhatsApp business profile of each channel (`/whatsapp_business_profile`), as the
-- Cloud API JSON object it serves; a channel without a row has the default profile.
CREATE TABLE sandbox_d360_profiles (
    channel_id TEXT PRIMARY KEY,
    profile TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
