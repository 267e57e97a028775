-- Where an instance runs on a Swarm of several nodes: `node` is the node's name (the swarm driver
-- pins the instance there, with its volume); `unavailable` says why the router cannot reach it
-- now (its node is down), NULL while it can.
ALTER TABLE instances ADD COLUMN node TEXT;
ALTER TABLE instances ADD COLUMN unavailable TEXT;
