"""Finding things by name: items by name, label or id prefix; connections and shares by the other person or
prefix; ambiguity and malformed ids answered locally with exit 2; one field's bare value; hidden values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.cli.conftest import Cli
from tests.cli.test_cli_users import one_error_line


def spec(stdout: str, kind: str) -> Any:
    document = yaml.safe_load(stdout)
    assert document["kind"] == kind, stdout
    return document["spec"]


def make_card(cli: Cli, label: str, values: dict[str, str], *auth: str) -> dict[str, Any]:
    slots = [{"name": k, "value": v} for k, v in values.items()]
    document = {"kind": "Item", "metadata": {"template": "vehicle"}, "spec": {"label": label, "slots": slots}}
    path = Path(f"{label.replace(' ', '-')}.yaml")
    path.write_text(yaml.safe_dump(document))
    created = cli("items", "create", "-i", str(path), *auth)
    assert created.code == 0, created.stderr
    return dict(spec(created.stdout, "Item"))


def test_items_by_name_label_and_prefix_with_one_field(cli: Cli) -> None:
    assert cli("users", "create").code == 0
    car = make_card(cli, "My car", {"vin": "VIN-42", "make": "Volvo"})
    van = make_card(cli, "Work van", {"vin": "VIN-77"})
    assert car["template"] == "vehicle"  # the template's name, as item configs write it
    assert car["template_label"] == "Vehicle"

    by_label = cli("items", "get", "my car")
    assert by_label.code == 0, by_label.stderr
    assert spec(by_label.stdout, "Item")["id"] == car["id"]
    # A unique prefix works; so does the short id tables show.
    prefix = next(car["id"][:n] for n in range(4, 36) if not van["id"].startswith(car["id"][:n]))
    assert spec(cli("items", "get", prefix).stdout, "Item")["id"] == car["id"]
    assert spec(cli("items", "get", car["id"].upper()).stdout, "Item")["id"] == car["id"]

    value = cli("items", "get", "My car", "--field", "vin")
    assert value.code == 0, value.stderr
    assert value.stdout == "VIN-42\n"  # bare, fit for $(...)
    no_field = cli("items", "get", "My car", "--field", "colour")
    assert no_field.code == 2
    assert "vin" in one_error_line(no_field.stderr)

    nothing = cli("items", "get", "bicycle")
    assert nothing.code == 2
    assert "no item named 'bicycle'" in one_error_line(nothing.stderr)

    make_card(cli, "my car", {"vin": "VIN-99"})
    ambiguous = cli("items", "get", "My car")
    assert ambiguous.code == 2
    line = one_error_line(ambiguous.stderr)
    assert "matches 2 items" in line
    # Each candidate with the prefix that tells it apart (ids made in the same minute share 8 characters).
    shown = re.findall(r"([0-9a-f-]{8,}) '", line)
    assert len(shown) == 2
    assert car["id"].startswith(shown[0]) or car["id"].startswith(shown[1])
    for prefix in shown:
        got = cli("items", "get", prefix)
        assert got.code == 0, (line, got.stderr)
        assert spec(got.stdout, "Item")["label"].lower() == "my car"


def test_malformed_ids_are_bad_input_checked_locally(cli: Cli) -> None:
    assert cli("users", "create").code == 0
    slot = cli("items", "remove-slot", "not-an-id", "-y")
    assert slot.code == 2
    assert "not an id" in one_error_line(slot.stderr)
    invitation = cli("connections", "accept", "tok", "--invitation-id", "1234")
    assert invitation.code == 2
    assert "--invitation-id" in one_error_line(invitation.stderr)
    share = cli("shares", "get", "zz-not-a-share")
    assert share.code == 2
    assert "no share named" in one_error_line(share.stderr)


def test_items_list_hides_values_unless_revealed(cli: Cli) -> None:
    assert cli("users", "create").code == 0
    make_card(cli, "My car", {"vin": "VIN-42"})
    hidden = cli("items", "list")
    assert hidden.code == 0, hidden.stderr
    assert "VIN-42" not in hidden.stdout
    assert "--reveal" in hidden.stdout
    shown = cli("items", "list", "--reveal")
    assert "VIN-42" in shown.stdout
    table = cli("items", "list", "--output", "table")
    assert "VIN-42" not in table.stdout


def test_connections_and_shares_by_the_other_persons_name(cli: Cli) -> None:
    assert cli("users", "create", "-o", "alice.yaml", "--name", "Alice").code == 0
    assert cli("users", "create", "-o", "bob.yaml", "--name", "Bob Stone").code == 0
    config = cli("connections", "create-config", "--from", "alice.yaml", "--to", "bob.yaml")
    Path("pair.yaml").write_text(config.stdout)
    made = cli("connections", "create", "-c", "pair.yaml")
    assert made.code == 0, made.stderr
    # Nicknames default to the other person's name (never a random username).
    alice_side = spec(cli("connections", "get", "Bob Stone", "-a", "alice.yaml").stdout, "Connection")
    assert alice_side["nickname"] == "Bob Stone"
    bob_side = spec(cli("connections", "get", "alice", "-a", "bob.yaml").stdout, "Connection")
    assert bob_side["nickname"] == "Alice"

    renamed = cli("connections", "rename", "Bob Stone", "Bobby", "-a", "alice.yaml")
    assert renamed.code == 0, renamed.stderr
    assert spec(renamed.stdout, "Connection")["name"] == "Bobby"
    assert (
        spec(cli("connections", "get", "bobby", "-a", "alice.yaml").stdout, "Connection")["id"]
        == (alice_side["id"])
    )
    verify = cli("connections", "verify", "Bobby", "-a", "alice.yaml")
    assert verify.code == 0, verify.stderr

    make_card(cli, "Locker", {"vin": "L-1"}, "-a", "alice.yaml")
    share_config = cli("shares", "create-config", "--item", "Locker", "--to", "Bobby")
    assert share_config.code == 0, share_config.stderr
    Path("share.yaml").write_text(share_config.stdout)
    shared = cli("shares", "create", "-c", "share.yaml", "-a", "alice.yaml")
    assert shared.code == 0, shared.stderr
    made_share = spec(shared.stdout, "Share")
    assert made_share["item_label"] == "Locker"  # not null

    got = cli("shares", "get", "Locker", "--field", "vin", "-a", "bob.yaml")
    assert got.code == 0, got.stderr
    assert got.stdout == "L-1\n"
    by_person = cli("shares", "get", "alice", "-a", "bob.yaml")
    assert spec(by_person.stdout, "SharedItem")["share"]["id"] == made_share["id"]
    by_prefix = cli("shares", "get", made_share["id"][:13], "-a", "bob.yaml")
    assert by_prefix.code == 0, by_prefix.stderr

    listed = cli("shares", "list", "--output", "table", "-a", "alice.yaml", env={"COLUMNS": "80"})
    assert listed.code == 0, listed.stderr
    assert "Bobby" in listed.stdout
    assert "yes" in listed.stdout  # outgoing: a word, not True
    assert "True" not in listed.stdout
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80

    kept = cli("connections", "delete", "Bobby", "-a", "alice.yaml", input="n\n")
    assert kept.code == 0
    assert "still connected" in kept.stderr
    gone = cli("connections", "delete", "Bobby", "-y", "-a", "alice.yaml")
    assert gone.code == 0, gone.stderr
    assert cli("connections", "get", "Bobby", "-a", "alice.yaml").code == 2
