"""Delivery of meeting events to apps: Stream-mode connections and webhooks, fed from
the outbox in the database (docs/events.md)."""
