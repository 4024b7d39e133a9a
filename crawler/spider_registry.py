"""The project as the commands that do not crawl see it: its settings and its spiders, without
importing Scrapy or Twisted.

`glocal status`, `glocal spiders` and every store command must answer at once (cron jobs, shell
completion, a status check over SSH); importing Scrapy costs about a second, and those commands
only need a few setting values and each spider's name and schedule. Nothing here is a second
source of truth:

- `settings()` reads the settings module Scrapy reads (SCRAPY_SETTINGS_MODULE, crawler.settings),
  the same way `get_project_settings` does: its upper-case names, with Scrapy's typed getters.
- `spiders()` reads the spider classes from their source (spiders/*.py, walked as Scrapy's spider
  loader walks SPIDER_MODULES), without importing them: a class is a spider when it derives from
  Scrapy's Spider and has a name, as for the loader. Only literal class attributes are read; when
  a spider's name or schedule is anything else (computed), the catalogue cannot vouch for it and
  asks Scrapy's loader instead: slower, never wrong.

tests/crawler/test_spider_registry.py checks both against Scrapy's own answers, so they cannot drift apart.
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import os
import pkgutil
import re
import sys
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

SETTINGS_MODULE = "crawler.settings"
ATTRIBUTES = ("name", "schedule")  # what the catalogue reads of each spider class
_DERIVED_CLASS = re.compile(r"^class\s+\w+\s*\(\s*[\w.]", re.M)  # a top-level class with a base class


class ProjectSettings:
    """The project's settings as `scrapy.utils.project.get_project_settings()` returns them, for the
    names the project defines: same values, same typed getters (get, getbool, getint, getfloat,
    getlist, getdict). Scrapy's own defaults are not here; the commands that need them crawl."""

    def __init__(self, values: dict):
        self._values = dict(values)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str, default=None):
        value = self._values.get(name)
        return value if value is not None else default

    def getbool(self, name: str, default: bool = False) -> bool:
        value = self.get(name, default)
        try:
            return bool(int(value))
        except ValueError:
            if value in ("True", "true"):
                return True
            if value in ("False", "false"):
                return False
            raise ValueError("Supported values for boolean settings are 0/1, True/False, '0'/'1', "
                             "'True'/'False' and 'true'/'false'") from None

    def getint(self, name: str, default: int = 0) -> int:
        return int(self.get(name, default))

    def getfloat(self, name: str, default: float = 0.0) -> float:
        return float(self.get(name, default))

    def getlist(self, name: str, default: list | None = None) -> list:
        value = self.get(name, default or [])
        if not value:
            return []
        if isinstance(value, str):
            value = value.split(",")
        return list(value)

    def getdict(self, name: str, default: dict | None = None) -> dict:
        value = self.get(name, default or {})
        if isinstance(value, str):
            value = json.loads(value)
        return dict(value)


def settings() -> ProjectSettings:
    """The project settings, from the module Scrapy would read (SCRAPY_SETTINGS_MODULE)."""
    module = import_module(os.environ.get("SCRAPY_SETTINGS_MODULE") or SETTINGS_MODULE)
    return ProjectSettings({name: getattr(module, name) for name in dir(module) if name.isupper()})


@dataclass(frozen=True)
class SpiderEntry:
    """One spider as the catalogue knows it: enough to list and schedule it, not to crawl."""

    name: str
    module: str  # "spiders.c40_accelerators"
    class_name: str  # "C40AcceleratorsSpider"
    schedule: str | None  # the class's own `schedule` (None: SCHEDULER_DEFAULT_CRON applies)
    requires: tuple[str, ...] = ()  # the class's `requires_settings`: settings it cannot crawl without


class Unreadable(Exception):
    """A spider module the catalogue cannot read from its source alone (Scrapy's loader can)."""


def spiders(project: ProjectSettings | None = None) -> dict[str, SpiderEntry]:
    """Every spider of SPIDER_MODULES by name (sorted), read from source; from Scrapy's loader when
    a spider declares its name or schedule in a way only running the code can tell."""
    project = project or settings()
    try:
        return from_source(project.getlist("SPIDER_MODULES"))
    except Unreadable:
        return from_scrapy()


def spider_names(project: ProjectSettings | None = None) -> set[str]:
    """The names a source may have: what an alert rule's `sources` is checked against."""
    return set(spiders(project))


def from_source(packages: list[str]) -> dict[str, SpiderEntry]:
    """The spiders of these modules (and their submodules), from their source; Unreadable when a
    spider's name or schedule is not a literal (or a module is not Python source)."""
    _top_spec.cache_clear()  # sys.path may have changed since the last reading
    reader = _SourceReader({name.split(".")[0] for name in [*packages, SETTINGS_MODULE]})
    found: dict[str, SpiderEntry] = {}
    for module in _walk(packages):
        entries = reader.spiders_of(module) + _configured_rosters(module)
        for entry in entries:
            if entry.name in found:  # Scrapy warns and keeps the last; a catalogue cannot pick
                raise Unreadable(f"two spiders are named {entry.name!r}")
            found[entry.name] = entry
    return dict(sorted(found.items()))


ROSTERS_MODULE = "rosters"  # spiders/rosters.py makes one spider per entry of spiders/rosters.toml


def _configured_rosters(module: tuple[str, Path]) -> list[SpiderEntry]:
    """The spiders a roster module makes from the rosters.toml beside it (spiders/rosters.py),
    read from the file as that module reads it; Unreadable when the file is not TOML."""
    import tomllib

    name, path = module
    if name.rpartition(".")[2] != ROSTERS_MODULE:
        return []
    config = path.with_suffix(".toml")
    if not config.is_file():
        return []
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise Unreadable(f"{config}: {error}") from None
    entries = []
    for roster in data.get("roster", []):
        slug = roster.get("slug")
        if not isinstance(slug, str):
            raise Unreadable(f"{config}: a roster without a slug")
        class_name = "".join(part.capitalize() for part in slug.split("_")) + "Spider"
        entries.append(SpiderEntry(name=slug, module=name, class_name=class_name, schedule=roster.get("schedule")))
    return entries


def from_scrapy() -> dict[str, SpiderEntry]:
    """The same catalogue from Scrapy's spider loader (imports Scrapy and every spider)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    from scrapy.spiderloader import get_spider_loader
    from scrapy.utils.project import get_project_settings

    loader = get_spider_loader(get_project_settings())
    entries = {}
    for name in sorted(loader.list()):
        cls = loader.load(name)
        entries[name] = SpiderEntry(name=name, module=cls.__module__, class_name=cls.__qualname__,
                                    schedule=getattr(cls, "schedule", None),
                                    requires=tuple(getattr(cls, "requires_settings", ()) or ()))
    return entries


def spider_schedules(settings, spiders: dict) -> dict[str, str]:
    """spider -> schedule: SCHEDULER_SCHEDULES overrides the spider's own `schedule`, else
    SCHEDULER_DEFAULT_CRON. `spiders` maps names to classes or catalogue entries (both have
    `schedule`). One reading for the scheduler, `glocal spiders` and `glocal status`."""
    from kit.errors import NotConfigured

    overrides = settings.getdict("SCHEDULER_SCHEDULES")
    unknown = sorted(set(overrides) - set(spiders))
    if unknown:
        raise NotConfigured(f"SCHEDULER_SCHEDULES names unknown spiders: {', '.join(unknown)}")
    return {name: overrides.get(name) or getattr(cls, "schedule", None) or settings.get("SCHEDULER_DEFAULT_CRON")
            for name, cls in spiders.items()}


def not_configured(settings, spiders: dict) -> dict[str, str]:
    """spider -> why it cannot crawl, for each spider whose `requires_settings` are not all set
    (a URL that changes per release, an opt-in flag). Such a spider is not scheduled (a crawl of
    nothing would be "blind" and alert), and `glocal schedule --list` and `glocal status` say why.
    `spiders` maps names to classes or catalogue entries."""
    reasons = {}
    for name, cls in spiders.items():
        required = getattr(cls, "requires", None) or getattr(cls, "requires_settings", None) or ()
        missing = [setting for setting in required if _unset(settings.get(setting))]
        if missing:
            reasons[name] = "not configured: " + ", ".join(f"{setting} is not set" for setting in missing)
    return reasons


def _unset(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("", "0", "false", "no", "off")
    return not value


# -- reading spider classes from source --------------------------------------------------------

def _walk(packages: list[str]):
    """(module name, source file) of each module and submodule, in the order of Scrapy's
    `walk_modules_iter`, found on disk without importing any of them."""
    for package in packages:
        spec = _top_spec(package) if "." not in package else _spec_below(package)
        if spec is None or spec.origin is None:
            raise Unreadable(f"no module {package}")
        yield from _walk_spec(package, spec.origin, spec.submodule_search_locations)


@functools.lru_cache(maxsize=None)
def _top_spec(name: str):
    return find_spec(name)  # searches sys.path: once per package and reading


def _spec_below(dotted: str):
    """The spec of a submodule, found from its top package's folder (find_spec would import parents)."""
    top, *rest = dotted.split(".")
    spec = _top_spec(top)
    for part in rest:
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(next(iter(spec.submodule_search_locations)))
        spec = _file_spec(folder, part)
    return spec


def _file_spec(folder: Path, name: str):
    from importlib.machinery import ModuleSpec

    if (folder / name / "__init__.py").is_file():
        spec = ModuleSpec(name, None, origin=str(folder / name / "__init__.py"), is_package=True)
        spec.submodule_search_locations = [str(folder / name)]
        return spec
    if (folder / f"{name}.py").is_file():
        return ModuleSpec(name, None, origin=str(folder / f"{name}.py"))
    return None


def _walk_spec(name: str, origin: str, locations):
    yield name, Path(origin)
    if not locations:
        return
    for info in pkgutil.iter_modules(list(locations)):
        full = f"{name}.{info.name}"
        folder = Path(info.module_finder.path)
        if info.ispkg:
            yield from _walk_spec(full, str(folder / info.name / "__init__.py"), [str(folder / info.name)])
        else:
            yield full, folder / f"{info.name}.py"


@dataclass
class _Class:
    module: str
    name: str
    bases: list[ast.expr]
    attributes: dict[str, ast.expr]  # class-level assignments, the last one of each name


class _SourceReader:
    """Parses spider modules (once each) and answers attribute lookups along their base classes."""

    def __init__(self, packages: set[str]):
        self._packages = packages  # top-level packages whose classes are read from source
        self._modules: dict[str, tuple[dict[str, _Class], dict[str, str]]] = {}
        self._files: dict[str, Path] = {}
        self._sources: dict[str, str] = {}
        self._mros: dict[int, list] = {}

    def spiders_of(self, module: tuple[str, Path]) -> list[SpiderEntry]:
        name, path = module
        self._files[name] = path
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, ValueError) as error:
            raise Unreadable(f"{path}: {error}") from None
        if not _DERIVED_CLASS.search(source):
            return []  # no class with a base class: no spider (parsing every parser module costs 60 ms)
        self._sources[name] = source
        classes, _imports = self._parsed(name)
        entries = []
        for cls in classes.values():
            if not self._is_spider(cls):
                continue
            spider_name = self._attribute(cls, "name")
            if not spider_name:
                continue  # Scrapy's loader skips a spider class without a name (a base class)
            if not isinstance(spider_name, str):
                raise Unreadable(f"{name}.{cls.name}.name is not a string")
            schedule = self._attribute(cls, "schedule")
            if schedule is not None and not isinstance(schedule, str):
                raise Unreadable(f"{name}.{cls.name}.schedule is not a string")
            requires = self._attribute(cls, "requires_settings") or ()
            if not isinstance(requires, (tuple, list)) or not all(isinstance(r, str) for r in requires):
                raise Unreadable(f"{name}.{cls.name}.requires_settings is not a tuple of setting names")
            entries.append(SpiderEntry(name=spider_name, module=name, class_name=cls.name, schedule=schedule,
                                       requires=tuple(requires)))
        return entries

    def _parsed(self, module: str):
        if module not in self._modules:
            path = self._locate(module)
            if path is None or path.suffix != ".py":
                raise Unreadable(f"no Python source for {module}")
            try:
                source = self._sources.pop(module, None) or path.read_text(encoding="utf-8")
                tree = ast.parse(source, filename=str(path))
            except (OSError, SyntaxError, ValueError) as error:
                raise Unreadable(f"{path}: {error}") from None
            self._modules[module] = _module_classes(module, tree, is_package=path.name == "__init__.py")
        return self._modules[module]

    def _locate(self, module: str) -> Path | None:
        if module not in self._files:
            spec = _spec_below(module) if "." in module else _top_spec(module)
            self._files[module] = Path(spec.origin) if spec is not None and spec.origin else None
        return self._files[module]

    def _base(self, cls: _Class, base: ast.expr) -> _Class | str:
        """A base class: a _Class when the project's source defines it (the spider packages and the
        settings' package), else its dotted name ("scrapy.Spider", "builtins.Exception"), or "?"
        for what the source alone cannot name (an expression, a name assigned at run time)."""
        dotted = _dotted(base)
        return "?" if dotted is None else self._resolve(cls.module, dotted)

    def _resolve(self, module: str, dotted: str, depth: int = 0) -> _Class | str:
        """What `dotted`, written in `module`, names: following imports and re-exports."""
        if depth > 20:
            return "?"
        classes, imports = self._parsed(module)
        head, _, rest = dotted.partition(".")
        if not rest and head in classes:
            return classes[head]
        if head not in imports:
            return f"builtins.{dotted}" if not rest and hasattr(builtins, head) else "?"
        full = f"{imports[head]}.{rest}" if rest else imports[head]
        owner, _, name = full.rpartition(".")
        if owner.split(".")[0] not in self._packages:
            return full  # a third party's class (scrapy.Spider): known by its name only
        if self._is_module(full):
            return "?"  # a module used as a base: not a class
        return self._resolve(owner, name, depth + 1)

    def _is_module(self, dotted: str) -> bool:
        return self._locate(dotted) is not None

    def _mro(self, cls: _Class) -> list[_Class | str]:
        """The class's method resolution order (C3), as Python computes it."""
        if id(cls) not in self._mros:
            self._mros[id(cls)] = _c3(cls, lambda c: [] if isinstance(c, str) else [self._base(c, b) for b in c.bases])
        return self._mros[id(cls)]

    def _is_spider(self, cls: _Class) -> bool:
        """Whether the class derives from Scrapy's Spider (the loader's test); Unreadable when a base
        the source cannot resolve might make it one."""
        mro = self._mro(cls)
        if any(isinstance(c, str) and c.startswith("scrapy.") and c.endswith("Spider") for c in mro):
            return True
        if any(isinstance(c, str) and (c == "?" or c.endswith("Spider")) for c in mro) and self._attribute(cls, "name"):
            raise Unreadable(f"{cls.module}.{cls.name} has a name and a base class the catalogue cannot follow")
        return False

    def _attribute(self, cls: _Class, name: str):
        for owner in self._mro(cls):
            if isinstance(owner, str):
                continue  # Scrapy's Spider declares neither a name nor a schedule value
            if name in owner.attributes:
                try:
                    return ast.literal_eval(owner.attributes[name])
                except ValueError:
                    raise Unreadable(f"{owner.module}.{owner.name}.{name} is not a literal") from None
        return None


def _module_classes(module: str, tree: ast.Module, *, is_package: bool):
    """The module's top-level classes, and what its imported names point to (name -> dotted path)."""
    classes: dict[str, _Class] = {}
    imports: dict[str, str] = {}
    package = module if is_package else module.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            attributes = {}
            for statement in node.body:
                if isinstance(statement, ast.Assign):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            attributes[target.id] = statement.value
                elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) \
                        and statement.value is not None:
                    attributes[statement.target.id] = statement.value
                elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in ATTRIBUTES:
                    attributes[statement.name] = statement  # a property or method: not a literal
            classes[node.name] = _Class(module, node.name, list(node.bases), attributes)
        elif isinstance(node, ast.ImportFrom):
            origin = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1])
                origin = f"{base}.{origin}" if origin else base
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{origin}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imports[top] = top
    return classes, imports


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def _c3(cls, bases_of) -> list:
    def key(c):
        return c if isinstance(c, str) else id(c)

    def merge(sequences):
        result = []
        sequences = [list(s) for s in sequences if s]
        while sequences:
            for sequence in sequences:
                head = sequence[0]
                if not any(key(head) in {key(c) for c in s[1:]} for s in sequences):
                    break
            else:
                raise Unreadable("inconsistent base classes")
            result.append(head)
            sequences = [s[1:] if key(s[0]) == key(head) else s for s in sequences]
            sequences = [s for s in sequences if s]
        return result

    bases = bases_of(cls)
    return [cls, *merge([*[_c3(b, bases_of) for b in bases], bases])]


__all__ = ["ProjectSettings", "SpiderEntry", "Unreadable", "settings", "spiders", "spider_schedules",
           "from_source", "from_scrapy"]

if __name__ == "__main__":  # `python -m crawler.spider_registry`: the catalogue as JSON, for a look
    json.dump({name: vars(entry) for name, entry in spiders().items()}, sys.stdout, indent=2)
    print()
