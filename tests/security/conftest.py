"""The long and hostile tests of `make test-security` / `make test-long` (floods, crash cycles,
sqlmap) reuse the API harness of tests/api/conftest.py: the same servers, clients and backends."""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
_spec = importlib.util.spec_from_file_location("api_conftest", os.path.join(HERE, "..", "api", "conftest.py"))
api = importlib.util.module_from_spec(_spec)
sys.modules["api_conftest"] = api
_spec.loader.exec_module(api)

# everything the API harness defines (fixtures, Server, Client, run_cli, BACKEND …), so that helpers
# written for tests/api (`from conftest import Server`) work here unchanged
globals().update({k: v for k, v in vars(api).items() if not k.startswith("__")})
