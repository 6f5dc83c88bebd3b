"""README.md documents every configuration key and every CLI command."""
import os
import re
import subprocess

from conftest import BIN, ROOT


def test_every_configuration_key_is_in_the_readme():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    keys = re.findall(r"^([a-z_]+) = ", subprocess.run([BIN, "config"], capture_output=True, text=True,
                                                       check=True).stdout, re.M)
    assert len(keys) > 20
    missing = [k for k in keys if f"`{k}`" not in text]
    assert missing == []


def test_every_command_is_in_the_readme():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    usage = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
    commands = [line.split("  ")[1].strip() for line in usage.splitlines() if line.startswith("  ")]
    for cmd in commands:
        name = cmd.split("[")[0].split(" --")[0].strip()
        name = " ".join(w for w in name.split() if w.islower() and not w.startswith("-"))
        assert f"ducha {name}" in text, name


def test_every_dropping_migration_is_classified():
    """docs/deployment.md ('Rolling upgrade with migrations') names every migration that drops or renames a
    table or column, either among those that need a stop or among the compatible ones; and lists no
    migration that does not exist."""
    doc = open(os.path.join(ROOT, "docs", "deployment.md"), encoding="utf-8").read()
    section = doc.split("**Rolling upgrade with migrations.**")[1].split("For a compatible upgrade")[0]
    stop = set(re.findall(r"^\| (\d{4}) `", section, re.M))
    compatible = set(re.findall(r"(\d{4}) `[a-z_]+`", section.split("Compatible although")[1]))
    mdir = os.path.join(ROOT, "src", "store", "migrations")
    names = {f[:4]: f for f in os.listdir(mdir)}
    dropping = set()
    for f in os.listdir(mdir):
        sql = re.sub(r"--[^\n]*", "", open(os.path.join(mdir, f), encoding="utf-8").read())
        if re.search(r"\bDROP\s+(TABLE|COLUMN)\b|\bRENAME\b", sql, re.I):
            dropping.add(f[:4])
    assert {"0020", "0052", "0218"} <= dropping  # the rule sees what it must
    assert dropping - stop - compatible == set(), "migrations that drop or rename, classified nowhere"
    assert (stop | compatible) - set(names) == set(), "listed migrations that do not exist"
    assert not stop & compatible
    for v in stop | compatible:  # the name beside the number is the file's
        assert re.search(rf"{v} `{names[v][5:].split('.')[0]}`", section), v
