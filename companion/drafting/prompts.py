"""Prompt templates: one YAML file each in prompts/, validated on load, rendered with named
variables. A draft records the prompt's name and version."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from companion.domain import DraftKind
from companion.errors import CompanionError, ConfigurationError

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


class MissingVariables(CompanionError):
    """A prompt was rendered without some of its variables."""

    def __init__(self, prompt: str, missing: list[str]) -> None:
        super().__init__(f"prompt '{prompt}' needs variable(s) {', '.join(missing)}")
        self.prompt = prompt
        self.missing = missing


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class PromptTemplate(BaseModel):
    """One prompt file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Unique name; the file is prompts/<name>.yaml.")
    version: str = Field(description="Bumped on every change that alters model behaviour.")
    description: str
    kind: DraftKind | None = Field(None, description="The draft kind it writes, if any.")
    variables: list[str] = Field(description="Every placeholder the templates use.")
    system: str
    user: str

    @model_validator(mode="after")
    def _declared_variables_match(self) -> PromptTemplate:
        used = _placeholders(self.system) | _placeholders(self.user)
        declared = set(self.variables)
        if used != declared:
            raise ValueError(
                f"placeholders {sorted(used)} do not match declared variables "
                f"{sorted(declared)} (escape literal braces as {{{{ and }}}})")
        return self

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages with every variable filled in."""
        missing = sorted(set(self.variables) - set(values))
        if missing:
            raise MissingVariables(self.name, missing)
        unknown = sorted(set(values) - set(self.variables))
        if unknown:
            raise MissingVariables(self.name, [f"(unexpected) {u}" for u in unknown])
        return [{"role": "system", "content": self.system.format(**values)},
                {"role": "user", "content": self.user.format(**values)}]


def load_prompt_file(path: Path) -> PromptTemplate:
    """Parse and validate one prompt file; ConfigurationError names the file and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        prompt = PromptTemplate.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"cannot read prompt file {path}: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ConfigurationError(f"prompt file {path}: {where}: "
                                 f"{str(first['msg']).removeprefix('Value error, ')}") from exc
    if prompt.name != path.stem:
        raise ConfigurationError(f"prompt file {path}: name '{prompt.name}' must match the file "
                                 f"name '{path.stem}'")
    return prompt


@lru_cache(maxsize=32)
def get_prompt(name: str, folder: Path = PROMPTS_DIR) -> PromptTemplate:
    """The prompt called `name` (cached)."""
    path = folder / f"{name}.yaml"
    if not path.exists():
        raise ConfigurationError(f"no prompt file {path}")
    return load_prompt_file(path)


def prompt_for(kind: DraftKind) -> PromptTemplate:
    return get_prompt(f"draft_{kind.value}")
