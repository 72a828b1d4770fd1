"""Partner webhooks: subscriptions, signed delivery with retries, the delivery log and replay."""
