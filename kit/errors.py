"""The project's own exceptions. Each names a situation; the CLI turns them into one line."""


class GlocalError(Exception):
    """Base class: an error the user can act on, shown as one line."""


class ParseError(GlocalError):
    """A page lacks a landmark its parser requires: the layout changed or the page is not what we expect.

    `landmarks` names the missing landmarks (as declared in the parser's Expectations).
    """

    def __init__(self, message: str, *, landmarks: tuple[str, ...] = ()):
        super().__init__(message)
        self.landmarks = tuple(landmarks)


class ArchiveError(GlocalError):
    """A WARC file is unreadable, truncated, or lacks what a replay needs."""


class NotConfigured(GlocalError):
    """A setting is missing or has a wrong value; the message names the setting."""


class UnknownSpider(GlocalError):
    """No spider has that name."""


class BackfillError(GlocalError):
    """A web archive answered something that is not history: not JSON, an error page, a redirect."""
