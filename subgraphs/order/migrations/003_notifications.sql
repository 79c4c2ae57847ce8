-- The order emails the mail server has accepted, one row per outbox event. The notification
-- handler checks it before sending and writes it right after the server accepts the message, so
-- an event delivered again (at-least-once outbox) does not email the customer twice.
CREATE TABLE notifications_sent (
  event_id  uuid PRIMARY KEY,
  sent_at   timestamptz NOT NULL DEFAULT now()
);
