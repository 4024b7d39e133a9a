"""The parser kit: what every parser and spider needs (items, errors, text, landmarks, routing),
importing nothing else of the project, so that every other room may build on it."""

__version__ = "0.1.0"  # the project's version; pyproject.toml carries the same number
