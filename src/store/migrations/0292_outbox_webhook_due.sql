-- the scheduler's webhook probe and claim (src/webhooks/webhook_queue.c, webhooks_deliver) read the webhook rows that
-- are due through an index of their own: through outbox's (state, next_attempt) every pass read each due row of
-- every channel to find none of them a webhook's — 95 ms a pass with the 20,000 e-mails of scripts/bench-sched.sh
-- waiting (e-mail not configured: they wait until it is), and more with each e-mail that waits
CREATE INDEX outbox_webhook_due ON outbox (state, next_attempt) WHERE channel = 'webhook';
