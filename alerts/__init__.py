"""Alerts: rules (rules.py) route changes into the outbox (outbox.py) inside the store's
transaction, with the facts (facts.py) a rule and a message need; the sender (deliver.py) renders
them (render.py) and sends them by email or Slack (channels.py) with retries; health.py turns
blind or stale spiders into health changes. docs/alerts.md is the user's guide."""
