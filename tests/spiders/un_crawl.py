"""One replayed crawl in this process, answered like the `glocal crawl` command (exit status and
its one-line summary), so the UN sources' end-to-end tests stay fast (no child process each).

The UN sources' tests import `replay` from here; it is the suite's shared helper
(tests.helpers.replay_like_cli), kept under this name so their imports stay as they are."""

from tests.helpers import Replayed as Outcome  # noqa: F401 - the name these tests knew
from tests.helpers import replay_like_cli as replay  # noqa: F401
