"""What ships: the Docker image's recipe, compose, the license, the metadata, the manifest."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import yaml

from bot import doctor

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def _all(name: str) -> list[str]:
    return [args for word, args in _instructions() if word == name]


def _exec_form(args: str) -> list[str]:
    assert args.startswith("["), f"use the exec form (JSON array) so signals reach the bot: {args}"
    return yaml.safe_load(args)


def test_the_image_starts_from_a_slim_python() -> None:
    (base,) = _all("FROM")
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base)


def test_the_bot_runs_as_a_user_that_is_not_root() -> None:
    users = _all("USER")
    assert users, "no USER: the bot would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")


def test_the_database_lives_on_the_volume() -> None:
    (volume,) = _all("VOLUME")
    folders = _exec_form(volume)
    env = " ".join(_all("ENV"))
    db = re.search(r"JOURNEYBOT_DB=(\S+)", env)
    assert db, "JOURNEYBOT_DB is not set in the image"
    assert str(Path(db.group(1)).parent) in folders


def test_the_health_check_asks_healthz_on_the_port_the_bot_serves_it_on() -> None:
    (check,) = _all("HEALTHCHECK")
    assert "CMD" in check
    port = re.search(r"127\.0\.0\.1:(\d+)/healthz", check)
    assert port, check
    (cmd,) = _all("CMD")
    args = _exec_form(cmd)
    assert args[0] == "run"
    assert args[args.index("--health-port") + 1] == port.group(1)
    assert _exec_form(_all("ENTRYPOINT")[0]) == ["journeybot"]


def test_everything_the_image_copies_exists() -> None:
    for args in _all("COPY"):
        *sources, _ = shlex.split(args)
        for source in sources:
            assert (ROOT / source).exists(), source


def test_compose_keeps_the_database_on_a_named_volume_and_waits_for_a_clean_stop() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    (service,) = compose["services"].values()
    db = Path(service["environment"]["JOURNEYBOT_DB"])
    mounts = {m.split(":")[1]: m.split(":")[0] for m in service["volumes"]}
    assert mounts[str(db.parent)] in compose["volumes"]
    (cmd,) = _all("CMD")
    args = _exec_form(cmd)
    shutdown = float(args[args.index("--shutdown-timeout") + 1])
    assert float(service["stop_grace_period"].removesuffix("s")) > shutdown


def test_the_license_is_the_mit_license_the_metadata_names() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    assert "LICENSE" in PYPROJECT["project"]["license-files"]


def test_the_project_metadata_is_complete_and_has_no_placeholders() -> None:
    project = PYPROJECT["project"]
    for key in ("description", "readme", "requires-python", "authors", "keywords", "classifiers"):
        assert project.get(key), key
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "example" not in text.lower()
    assert not any(c.startswith("License ::") for c in project["classifiers"])  # SPDX instead


def test_the_manifest_ships_inside_the_package_doctor_reads() -> None:
    packaged = ROOT / "bot" / "manifest.yml"
    assert packaged == doctor.MANIFEST
    assert packaged.read_bytes() == (ROOT / "manifest.yml").read_bytes()
    assert "*.yml" in PYPROJECT["tool"]["setuptools"]["package-data"]["bot"]
    assert doctor.manifest_scopes()


def test_make_demo_installs_without_the_dev_tools_and_make_test_with_them() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rules = dict(re.findall(r"^(\S+):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, re.M))
    demo_stamp = re.search(r"^demo: (\S+)", makefile, re.M).group(1)
    test_stamp = re.search(r"^test: (\S+)", makefile, re.M).group(1)
    assert "pip install --quiet -e .\n" in rules[demo_stamp]
    assert "[dev]" not in rules[demo_stamp]
    assert "-e '.[dev]'" in rules[test_stamp]
