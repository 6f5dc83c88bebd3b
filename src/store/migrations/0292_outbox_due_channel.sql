-- the scheduler's probes of the outbox (src/notify/outbox.c notify_deliver, src/webhooks/webhook_queue.c
-- webhooks_deliver: "is a row of these channels due?") read the due rows of their channels only: through (state,
-- next_attempt) a probe read every due row of every channel to find none of its own — the rows of a channel not
-- configured wait until it is (e-mail without a mail server), and with scripts/bench-sched.sh's 20,000 e-mails
-- waiting each idle pass took 95 ms, more with each e-mail queued
CREATE INDEX outbox_due_channel ON outbox (state, channel, next_attempt);
