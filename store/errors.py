"""The store's own errors: the store imports nothing else of the project, so it owns these.

The CLI shows each as one line, like the crawler's GlocalError.
"""


class StoreError(Exception):
    """The SQLite store cannot be opened or written, or a query names something it does not hold."""


class NotFound(StoreError):
    """A lookup (an instrument by key or title words) matched nothing, or too many things."""
