"""``strongroom templates`` and ``strongroom items`` against a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import Cli
from tests.cli.test_cli_users import one_error_line


@pytest.fixture
def user(cli: Cli) -> Path:
    assert cli("users", "create").code == 0  # the default profile's auth file
    return Path("config/strongroom/default.yaml")


def test_templates_list_and_info(cli: Cli, user: Path) -> None:
    listed = cli("templates", "list")
    assert listed.code == 0, listed.stderr
    document = yaml.safe_load(listed.stdout)
    assert document["kind"] == "Templates"
    names = {t["name"] for t in document["spec"]}
    assert "vehicle" in names
    info = yaml.safe_load(cli("templates", "info", "vehicle").stdout)
    assert info["kind"] == "Template"
    assert info["spec"]["slots"]
    missing = cli("templates", "info", "no-such-template")
    assert missing.code == 2
    assert "no template named" in one_error_line(missing.stderr)


def test_item_from_config_then_get_update_list_delete(cli: Cli, user: Path) -> None:
    config = cli("items", "create-config", "vehicle")
    assert config.code == 0, config.stderr
    document = yaml.safe_load(config.stdout)
    assert document["kind"] == "Item"
    assert document["metadata"]["template"] == "vehicle"
    first = document["spec"]["slots"][0]["name"]
    document["spec"]["label"] = "My car"
    document["spec"]["slots"][0]["value"] = "VIN-42"
    document["spec"]["slots"].append({"label": "Secret note", "value": "spare key under the mat"})
    Path("car.yaml").write_text(yaml.safe_dump(document))

    created = cli("items", "create", "-i", "car.yaml")
    assert created.code == 0, created.stderr
    item = yaml.safe_load(created.stdout)
    assert item["kind"] == "Item"
    values = {s["name"]: s["value"] for s in item["spec"]["slots"]}
    assert values[first] == "VIN-42"
    assert values["secret_note"] == "spare key under the mat"
    item_id = item["spec"]["id"]

    got = yaml.safe_load(cli("items", "get", item_id).stdout)
    assert got["spec"]["id"] == item_id

    update = {
        "kind": "Item",
        "spec": {
            "id": item_id,
            "slots": [{"name": "secret_note", "value": "moved it"}, {"name": first, "_destroy": True}],
        },
    }
    Path("update.yaml").write_text(yaml.safe_dump(update))
    updated = cli("items", "update", "-i", "update.yaml")
    assert updated.code == 0, updated.stderr
    values = {s["name"]: s["value"] for s in yaml.safe_load(updated.stdout)["spec"]["slots"]}
    assert values["secret_note"] == "moved it"
    assert first not in values

    as_json = json.loads(cli("items", "list", "--output", "json").stdout)
    assert as_json["kind"] == "Items"
    assert [i["id"] for i in as_json["spec"]] == [item_id]
    table = cli("items", "list", "--output", "table")
    assert table.code == 0
    assert item_id not in table.stdout
    assert item_id[:8] in table.stdout  # tables show short ids (any unique prefix is a reference)
    assert "My car" in table.stdout
    assert "secret_note" in table.stdout
    assert "[" not in table.stdout

    slot_id = next(
        s["id"] for s in yaml.safe_load(updated.stdout)["spec"]["slots"] if s["name"] == "secret_note"
    )
    kept = cli("items", "remove-slot", slot_id, input="n\n")
    assert kept.code == 0
    assert "Not confirmed" in kept.stderr
    assert "secret_note" in cli("items", "get", item_id).stdout
    assert cli("items", "remove-slot", slot_id, "-y").code == 0
    assert "secret_note" not in cli("items", "get", item_id).stdout

    declined = cli("items", "delete", "my car")  # no answer on stdin: no
    assert declined.code == 0, declined.stderr
    assert "nothing was deleted" in declined.stderr
    assert cli("items", "get", item_id).code == 0
    assert cli("items", "delete", "My car", input="y\n").code == 0
    gone = cli("items", "get", item_id)
    assert gone.code == 1
    assert "not found" in one_error_line(gone.stderr)


def test_malformed_item_file_names_the_line(cli: Cli, user: Path) -> None:
    Path("broken.yaml").write_text(
        "kind: Item\nmetadata:\n  template: note\nspec:\n  label: x\n  slots:\n  - name: [\n"
    )
    result = cli("items", "create", "-i", "broken.yaml")
    assert result.code == 2
    line = one_error_line(result.stderr)
    assert "broken.yaml:" in line
    assert "malformed YAML" in line


def test_item_file_of_another_kind_is_refused(cli: Cli, user: Path) -> None:
    Path("share.yaml").write_text("kind: Share\nspec: {}\n")
    result = cli("items", "create", "-i", "share.yaml")
    assert result.code == 2
    assert "expected Item" in one_error_line(result.stderr)
