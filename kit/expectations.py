"""What a spider expects of its pages: declared once beside its parser, read by the health
checks and by the live check, so a miss names the landmark that was not found."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Landmark:
    """Something a page must say for a parser to trust what it extracts."""

    name: str  # short id used in reports: "signatory_list"
    description: str  # what a person would look for on the page: 'a line "Signatory cities:"'


@dataclass(frozen=True)
class Expectations:
    landmarks: tuple[Landmark, ...] = ()
    min_items: dict[str, int] = field(default_factory=dict)  # entity -> fewest a healthy run yields
    required_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # item without them: dropped
    expected_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # mostly filled when healthy

    def landmark(self, name: str) -> Landmark:
        for landmark in self.landmarks:
            if landmark.name == name:
                return landmark
        raise KeyError(name)

    def require_list_landmark(self, scope) -> None:
        """Refuse a roster scope (kit.items.Scope) whose list landmark is not one declared here: its
        unread pages could not say what was not found."""
        names = [landmark.name for landmark in self.landmarks]
        if scope.landmark not in names:
            raise ValueError(f"roster scope {scope.name if isinstance(scope.name, str) else scope.entity + 's'}: "
                             f"its list landmark {scope.landmark!r} is not among the declared landmarks {names}")

    def describe(self, name: str) -> str:
        try:
            return self.landmark(name).description
        except KeyError:
            return name
