"""docs/openapi.yaml and the server's route table describe the same API."""
import os
import subprocess

import yaml

from conftest import BIN, ROOT


def test_route_table_and_openapi_agree():
    out = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True).stdout
    routes = {(line.split()[0].lower(), line.split()[1]) for line in out.splitlines() if line.strip()}
    with open(os.path.join(ROOT, "docs", "openapi.yaml")) as f:
        spec = yaml.safe_load(f)
    documented = {(m, p) for p, ops in spec["paths"].items() for m in ops if m in ("get", "post", "put", "patch", "delete")}
    assert routes - documented == set(), "routes missing from docs/openapi.yaml"
    assert documented - routes == set(), "docs/openapi.yaml describes routes the server does not have"
