"""The journey map and scoring settings a workspace runs with (the TOML config's content)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import InvalidInput

__all__ = [
    "DEFAULT_STAGES",
    "DEFAULT_TEAMS",
    "Capacity",
    "Criterion",
    "InvalidInput",
    "JourneyConfig",
    "QuestionsConfig",
    "ScoringConfig",
    "Strategy",
    "Weights",
]

DEFAULT_STAGES = (
    "Awareness",
    "Consideration",
    "Purchase",
    "Onboarding",
    "Adoption",
    "Retention",
    "Advocacy",
)
DEFAULT_TEAMS = (
    "Marketing",
    "Sales",
    "Support",
    "Customer Success",
    "Product",
    "Engineering",
    "Operations",
)
DEFAULT_TOUCHPOINTS = (
    "Website",
    "Ads",
    "Sales call",
    "Checkout",
    "Email",
    "In-app",
    "Docs",
    "Support chat",
    "Billing",
    "Community",
)
DEFAULT_PERSONAS = ("Admin", "End user", "Buyer", "Developer")


class Strategy(StrEnum):
    WEIGHTED = "weighted"
    RICE = "rice"
    ICE = "ice"
    WSJF = "wsjf"


class Criterion(StrEnum):
    IMPACT = "impact"
    COMPLEXITY = "complexity"
    WEEKS = "weeks"


class Weights(BaseModel):
    """Relative weights of the default weighted score; they need not sum to 1."""

    model_config = ConfigDict(extra="forbid")

    impact: float = Field(0.40, ge=0)
    reach: float = Field(0.25, ge=0)
    ease: float = Field(0.20, ge=0)
    speed: float = Field(0.15, ge=0)

    @model_validator(mode="after")
    def _not_all_zero(self) -> Weights:
        if self.impact + self.reach + self.ease + self.speed <= 0:
            raise ValueError("at least one weight must be above 0")
        return self


class Capacity(BaseModel):
    """Team-weeks the teams can deliver in each horizon."""

    model_config = ConfigDict(extra="forbid")

    now: float = Field(12.0, ge=0)
    next: float = Field(24.0, ge=0)


TShirt = dict[str, Annotated[float, Field(gt=0, le=520)]]


class ScoringConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: Strategy = Strategy.WEIGHTED
    weights: Weights = Field(default_factory=Weights)
    min_estimates: int = Field(3, ge=1, le=100)
    disagree_spread: int = Field(3, ge=1, le=4, description="impact or complexity spread")
    capacity: Capacity = Field(default_factory=Capacity)
    default_weeks: float = Field(4.0, gt=0, le=520)
    tshirt_weeks: TShirt = Field(
        default_factory=lambda: {"XS": 0.5, "S": 1.0, "M": 3.0, "L": 6.0, "XL": 12.0}
    )

    @field_validator("tshirt_weeks")
    @classmethod
    def _upper_sizes(cls, value: TShirt) -> TShirt:
        return {size.strip().upper(): weeks for size, weeks in value.items()}


class QuestionsConfig(BaseModel):
    """Thresholds of the five journey questions and of "did it work?"."""

    model_config = ConfigDict(extra="forbid")

    stuck_days: int = Field(21, ge=1, le=3650, description="days in one status that count as stuck")
    period_days: int = Field(90, ge=7, le=3650, description="the recent period of question 4")
    short_weeks: float = Field(2.0, gt=0, le=520, description="this many weeks or fewer is short")
    long_weeks: float = Field(6.0, gt=0, le=520, description="this many weeks or more is long")
    outcome_weeks: int = Field(4, ge=1, le=52, description="weeks compared before and after Done")
    survey_after_days: int = Field(
        14, ge=0, le=365, description='days after Done to ask "Is this better now?"'
    )

    @model_validator(mode="after")
    def _short_below_long(self) -> QuestionsConfig:
        if self.short_weeks >= self.long_weeks:
            raise ValueError("short_weeks must be below long_weeks")
        return self


class JourneyConfig(BaseModel):
    """Stages, teams, touchpoints and personas of one company's journey map."""

    model_config = ConfigDict(extra="forbid")

    stages: list[str] = Field(default_factory=lambda: list(DEFAULT_STAGES), min_length=1)
    teams: list[str] = Field(default_factory=lambda: list(DEFAULT_TEAMS), min_length=1)
    touchpoints: list[str] = Field(default_factory=lambda: list(DEFAULT_TOUCHPOINTS))
    personas: list[str] = Field(default_factory=lambda: list(DEFAULT_PERSONAS))
    raters: dict[Criterion, list[str]] = Field(
        default_factory=dict,
        description="which teams may rate a criterion; a criterion not listed is open to all",
    )
    members: dict[str, str] = Field(
        default_factory=dict,
        description="Slack user id -> team: set here, a person's team cannot be changed in Slack",
    )
    scoring: ScoringConfig = Field(default_factory=ScoringConfig)
    questions: QuestionsConfig = Field(default_factory=QuestionsConfig)
    default_stage: str | None = None

    @field_validator("stages", "teams", "touchpoints", "personas")
    @classmethod
    def _unique_names(cls, names: list[str]) -> list[str]:
        # Lookups collapse runs of whitespace, so the names must be stored collapsed too.
        cleaned = [" ".join(name.split()) for name in names]
        for name in cleaned:
            if not name:
                raise ValueError("names must not be empty")
            if "," in name:
                raise ValueError(f"{name!r}: names cannot contain a comma")
        folded = [name.casefold() for name in cleaned]
        if len(set(folded)) != len(folded):
            raise ValueError("names must be unique")
        return cleaned

    @model_validator(mode="after")
    def _known_names(self) -> JourneyConfig:
        # Stored in the configured spelling: may_rate compares against a person's team,
        # which is always the canonical name, so "engineering" here must become "Engineering".
        self.raters = {
            criterion: [self.team(team, field=f"raters.{criterion.value}") for team in teams]
            for criterion, teams in self.raters.items()
        }
        self.members = {
            user.strip(): self.team(team, field=f"members.{user.strip()}")
            for user, team in self.members.items()
        }
        if self.default_stage is not None:
            self.default_stage = self.stage(self.default_stage, field="default_stage")
        return self

    # Lookups return the canonical spelling, so "onboarding" is stored as "Onboarding".

    def stage(self, name: str, *, field: str = "stage") -> str:
        """Return the configured stage matching `name`; raises InvalidInput if there is none."""
        return _pick(name, self.stages, field=field, kind="journey stage")

    def team(self, name: str, *, field: str = "team") -> str:
        """Return the configured team matching `name`; raises InvalidInput if there is none."""
        return _pick(name, self.teams, field=field, kind="team")

    def touchpoint(self, name: str, *, field: str = "touchpoint") -> str:
        """Return the configured touchpoint matching `name`, or raise InvalidInput."""
        return _pick(name, self.touchpoints, field=field, kind="touchpoint")

    def persona(self, name: str, *, field: str = "persona") -> str:
        """Return the configured persona matching `name`, or raise InvalidInput."""
        return _pick(name, self.personas, field=field, kind="persona")

    def may_rate(self, team: str | None, criterion: Criterion) -> bool:
        """Whether someone from `team` may rate `criterion`."""
        allowed = self.raters.get(criterion)
        return not allowed or (team is not None and team in allowed)

    def who_may_rate(self, criterion: Criterion) -> str:
        """Return a human sentence naming the teams that may rate `criterion`."""
        allowed = self.raters.get(criterion)
        if not allowed:
            return "everyone"
        return _join(allowed)

    @property
    def first_stage(self) -> str:
        return self.default_stage or self.stages[0]


def _pick(name: str, choices: list[str], *, field: str, kind: str) -> str:
    wanted = " ".join(name.split()).casefold()
    for choice in choices:
        if choice.casefold() == wanted:
            return choice
    raise InvalidInput(field, f"unknown {kind} {name!r}; choose one of {_join(choices)}")


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]
