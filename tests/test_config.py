"""Settings from the environment and the TOML config: one clear line for anything wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_config, load_settings
from prioritize.config import Criterion, Strategy

SECRET = "xoxb-1234-very-secret"


pytestmark = pytest.mark.usefixtures("clean_settings")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "journeybot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEYBOT_DB", str(tmp_path / "x.db"))
    monkeypatch.setenv("SLACK_API_URL", "http://localhost:8765/api")
    monkeypatch.setenv("NOTION_API_URL", "http://localhost:8766/")
    monkeypatch.setenv("NOTION_TOKEN", "secret_abc")
    s = load_settings()
    assert s.journeybot_db == tmp_path / "x.db"
    assert s.slack_api_url == "http://localhost:8765/api/"  # WebClient needs the slash
    assert s.notion_api_url == "http://localhost:8766"
    assert s.secret("NOTION_TOKEN") == "secret_abc"


def test_defaults_need_no_credentials():
    s = load_settings()
    assert s.journeybot_db == Path("journeybot.db")
    assert s.slack_api_url == "https://slack.com/api/"
    assert s.slack_bot_token is None and s.journeybot_config is None


def test_settings_are_also_read_from_a_dot_env_file(tmp_path):
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKEN={SECRET}\nJOURNEYBOT_DB=from-env.db\n")
    s = load_settings()
    assert s.journeybot_db == Path("from-env.db")
    assert s.secret("slack_bot_token") == SECRET


def test_a_variable_left_empty_counts_as_unset(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("SLACK_APP_TOKEN=\nSLACK_BOT_TOKEN=\n")
    monkeypatch.setenv("JOURNEYBOT_DB", "")
    s = load_settings()
    assert s.slack_app_token is None  # so `run` stays in HTTP mode
    assert s.journeybot_db == Path("journeybot.db")
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is not set"):
        s.secret("SLACK_BOT_TOKEN")


def test_secrets_never_show_in_repr_str_or_a_dump(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", SECRET)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET + "-signing")
    s = load_settings()
    for text in (repr(s), str(s), s.model_dump_json(), f"{s}", str(s.model_dump())):
        assert "very-secret" not in text
    assert s.secret("SLACK_SIGNING_SECRET") == SECRET + "-signing"


def test_a_missing_secret_is_one_line_naming_the_variable():
    with pytest.raises(ConfigError, match=r"^NOTION_TOKEN is not set$"):
        load_settings().secret("NOTION_TOKEN")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SLACK_API_URL", "ftp://slack", "SLACK_API_URL: must be an http(s) URL"),
        ("NOTION_API_URL", "localhost:9000", "NOTION_API_URL: must be an http(s) URL"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as e:
        load_settings()
    assert str(e.value) == message


def test_without_a_config_file_the_defaults_apply():
    config = load_config(None)
    assert config.journey.stages[0] == "Awareness"
    assert config.journey.scoring.strategy is Strategy.WEIGHTED


def test_a_config_file_sets_the_journey_scoring_and_slack(tmp_path):
    path = write(
        tmp_path,
        """
[journey]
stages = ["Discover", "Buy", "Use"]
teams = ["Sales", "Engineering"]
default_stage = "use"

[journey.raters]
complexity = ["engineering"]

[journey.scoring]
strategy = "rice"
min_estimates = 2

[journey.scoring.capacity]
now = 6

[slack]
roadmap_channel = "C0123"
admins = ["U1"]

[digest]
timezone = "Europe/Paris"
""",
    )
    config = load_config(path)
    j = config.journey
    assert (j.stages, j.first_stage) == (["Discover", "Buy", "Use"], "Use")
    assert j.raters[Criterion.COMPLEXITY] == ["Engineering"]
    assert (j.scoring.strategy, j.scoring.min_estimates) == (Strategy.RICE, 2)
    assert (j.scoring.capacity.now, j.scoring.capacity.next) == (6, 24)
    assert (config.slack.roadmap_channel, config.slack.admins) == ("C0123", ["U1"])


def test_a_missing_config_file_is_one_line_naming_the_variable(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "nope.toml")
    assert str(e.value) == f"JOURNEYBOT_CONFIG: {tmp_path / 'nope.toml'} does not exist"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[journey\n", "not valid TOML: "),
        ("[journey]\ndefault_stage = 'Nowhere'\n",
         "journey: default_stage: unknown journey stage 'Nowhere'; choose one of Awareness"),
        ("[journey.raters]\nweeks = ['Legal']\n", "journey: raters.weeks: unknown team 'Legal'"),
        ("[journey.scoring]\nstrategy = 'vibes'\n", "journey.scoring.strategy: Input should be"),
        ("[journey.scoring.weights]\nimpact = -1\n",
         "journey.scoring.weights.impact: Input should be greater than or equal to 0"),
        ("[journey.scoring.weights]\nimpact = 0\nreach = 0\nease = 0\nspeed = 0\n",
         "at least one weight must be above 0"),
        ("[digest]\ntimezone = 'Mars/Olympus'\n", "digest.timezone: unknown time zone"),
        ("[digest]\ncron = 'every monday'\n", "digest.cron: must have five fields"),
        ("[journy]\n", "journy: Extra inputs are not permitted"),
        ("[journey]\nstages = []\nteams = []\n", "(and 1 more problem)"),
    ],
)  # fmt: skip
def test_a_malformed_config_file_is_one_line_naming_the_file_and_the_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    line = str(e.value)
    assert line.startswith(f"{path}: ")
    assert message in line
    assert "\n" not in line


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "journeybot.toml"
    path.write_bytes(b"[journey]\nstages = ['\xe9tape']\n")
    with pytest.raises(ConfigError, match=r"^JOURNEYBOT_CONFIG: cannot read .*utf-8"):
        load_config(path)


def test_settings_are_frozen_once_built():
    s = Settings()
    with pytest.raises(ValueError):
        s.journeybot_db = Path("other.db")  # type: ignore[misc]


def test_a_config_file_saved_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "journeybot.toml"
    path.write_bytes(b"\xef\xbb\xbf[journey.scoring]\nstrategy = 'ice'\n")
    assert load_config(path).journey.scoring.strategy is Strategy.ICE


def test_slacks_install_flow_is_on_only_with_all_three_of_its_settings():
    assert Settings(_env_file=None).oauth is False
    full = {
        "slack_client_id": "1111.2222",
        "slack_client_secret": "client-secret",
        "slack_state_secret": "state-secret",
    }
    assert Settings(_env_file=None, **full).oauth is True
    half = {**full, "slack_client_secret": None}
    with pytest.raises(ConfigError, match=r"^SLACK_CLIENT_SECRET is not set"):
        _ = Settings(_env_file=None, **half).oauth


def test_the_install_flow_secrets_never_show():
    settings = Settings(
        _env_file=None, slack_client_secret="client-secret", slack_state_secret="state-secret"
    )
    assert "client-secret" not in repr(settings) and "state-secret" not in str(settings)
