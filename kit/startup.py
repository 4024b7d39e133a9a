"""Starting a process light: what a `glocal` command or a crawl child does before its first import
of the store."""

from __future__ import annotations

import sys


class _SqliteUtilsWithoutNumpy:
    """Hides numpy (and pandas) from sqlite-utils while its `db` module loads, once.

    sqlite_utils.db imports numpy when it can, only to map numpy scalar types to column types when
    a table is created from numpy values; matplotlib brings numpy along, and importing it is
    about half of what a store command spends starting (docs/performance.md). The CLI never
    writes a numpy value, nor does a crawl child (crawler/runner.py, batch_runner.py), so both load
    sqlite-utils as it would without numpy installed; numpy itself stays importable (`glocal plot`
    draws with it)."""

    HIDDEN = ("numpy", "pandas")

    def find_spec(self, name, path=None, target=None):
        if name != "sqlite_utils.db":
            return None
        sys.meta_path.remove(self)  # once; the real finders locate the module
        from importlib.util import find_spec

        spec = find_spec(name)
        if spec is not None and spec.loader is not None:
            self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader  # the module as if loaded as usual
        hidden = [name for name in self.HIDDEN if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # `import numpy` raises ImportError, as if it were not installed
        try:
            self.loader.exec_module(module)
        finally:
            for name in hidden:
                if name in sys.modules and sys.modules[name] is None:
                    del sys.modules[name]


def start_light() -> None:
    """Before the first command of a process: sqlite-utils will load without numpy."""
    if "sqlite_utils.db" not in sys.modules and not any(isinstance(f, _SqliteUtilsWithoutNumpy) for f in sys.meta_path):
        sys.meta_path.insert(0, _SqliteUtilsWithoutNumpy())
