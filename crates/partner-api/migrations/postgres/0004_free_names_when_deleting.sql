-- DELETE frees the subdomain and the phone number at once: an instance being torn down no
-- longer holds them, so the partner can create the replacement right away.
DROP INDEX instances_live_subdomain;
DROP INDEX instances_live_phone_number;
CREATE UNIQUE INDEX instances_live_subdomain ON instances(subdomain) WHERE status NOT IN ('deleting', 'deleted');
CREATE UNIQUE INDEX instances_live_phone_number ON instances(phone_number)
    WHERE status NOT IN ('deleting', 'deleted') AND phone_number IS NOT NULL;
