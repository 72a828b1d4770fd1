"""Webhook subscriptions, events and deliveries (filled in by the webhooks work)."""
