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
