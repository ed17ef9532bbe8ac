"""Report categories from `config/report_categories.yaml`: titles, target times, routing.

Each category is routed to a department by category and district: the district's override when
the report's district has one, else the category's default. Every department named must be one
of `layers/departments.yaml`; a file that names another stops start-up (ConfigurationError).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, field_validator

from geohub.errors import ConfigurationError
from geohub.layers.models import SLUG, Strict, Text
from geohub.settings import PROJECT_ROOT

CATEGORIES_FILE = PROJECT_ROOT / "config" / "report_categories.yaml"


class Routing(Strict):
    """The department a category's reports go to, by district."""

    default: str
    districts: dict[str, str] = Field(default_factory=dict)  # district slug -> department id

    def department_for(self, district: str | None) -> str:
        """The department for a report in `district` (None: outside every district polygon)."""
        return self.districts.get(district, self.default) if district else self.default


class Category(Strict):
    """One kind of problem a citizen may report."""

    code: str
    title: Text
    target_hours: int = Field(ge=1, le=24 * 365)
    accessibility: bool = False
    routing: Routing

    @field_validator("code")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError("must be a snake_case slug")
        return value

    @property
    def target(self) -> timedelta:
        return timedelta(hours=self.target_hours)


class CategoriesFile(Strict):
    categories: list[Category] = Field(min_length=1)


@dataclass(frozen=True)
class Categories:
    """Every category by code, in file order."""

    by_code: Mapping[str, Category]

    def get(self, code: str) -> Category | None:
        return self.by_code.get(code)

    def __iter__(self) -> Iterator[Category]:
        return iter(self.by_code.values())

    def __len__(self) -> int:
        return len(self.by_code)


def load_categories(departments: Mapping[str, object], path: Path = CATEGORIES_FILE) -> Categories:
    """The categories of `path`, each department checked against `departments` (ConfigurationError)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}".splitlines()[0]) from None
    try:
        parsed = CategoriesFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise ConfigurationError(f"{path}: {location}: {first['msg']}") from None
    by_code: dict[str, Category] = {}
    for index, category in enumerate(parsed.categories):
        if category.code in by_code:
            raise ConfigurationError(f"{path}: categories.{index}.code: '{category.code}' is defined twice")
        named = {category.routing.default, *category.routing.districts.values()}
        for department in sorted(named - set(departments)):
            raise ConfigurationError(
                f"{path}: categories.{index}.routing: department '{department}' is not in departments.yaml"
            )
        by_code[category.code] = category
    return Categories(by_code)
