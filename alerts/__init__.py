"""Alerts: rules (rules.py) route changes into the outbox (outbox.py) inside the store's
transaction; the sender (deliver.py) renders (render.py) and sends them by email (email.py) or
Slack (slack.py) with retries; health.py turns blind or stale spiders into health changes.
docs/alerts.md is the user's guide."""
