-- Tokens generated once by the deployment and kept, so a retried or reconciled deployment
-- repeats nothing: the configurator's token (sent in the token event) and the platform's own
-- token for the instance's /api/v1/platform endpoints.
ALTER TABLE instances ADD COLUMN configurator_token_sealed TEXT;
ALTER TABLE instances ADD COLUMN platform_token_sealed TEXT;
