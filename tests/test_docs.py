"""The README stays true: two Quick start commands, every setting documented, CI runs the test one."""

from __future__ import annotations

import re

from geohub.settings import PROJECT_ROOT, Settings

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    first_block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert first_block
    return [line for line in first_block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_has_exactly_run_and_test() -> None:
    assert _quick_start_commands() == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_lists_every_setting_and_its_variable() -> None:
    for name, field in Settings.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and hasattr(nested, "model_fields"):
            for sub in nested.model_fields:
                assert f"`{name}.{sub}`" in README
                assert f"`GEOHUB_{name.upper()}__{sub.upper()}`" in README
        else:
            assert f"`{name}`" in README, name
            assert f"`GEOHUB_{name.upper()}`" in README, name


def test_every_layer_is_in_the_readme_table() -> None:
    for path in (PROJECT_ROOT / "layers").glob("*.yaml"):
        if path.stem != "departments":
            assert f"`{path.stem}`" in README, path.stem
