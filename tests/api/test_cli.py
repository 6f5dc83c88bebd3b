"""The CLI contract: --db, exit status, one-line errors on stderr, token alone on stdout, imports."""
import os
import subprocess

from conftest import BIN, Client, run_cli


def test_help_and_version():
    p = subprocess.run([BIN, "--help"], capture_output=True, text=True)
    assert p.returncode == 0 and "user add" in p.stdout and "audit verify" in p.stdout
    for cmd in (["serve"], ["init"], ["demo"], ["user", "add"], ["user", "passwd"], ["token", "create"],
                ["import", "units"], ["backup"], ["audit", "verify"], ["version"]):
        p = subprocess.run([BIN, *cmd, "--help"], capture_output=True, text=True)
        assert p.returncode == 0 and "Usage: ducha" in p.stdout, cmd
    p = subprocess.run([BIN, "version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("ducha ")


def test_unknown_command_and_option_fail_with_one_line(tmp_path):
    p = subprocess.run([BIN, "frobnicate"], capture_output=True, text=True)
    assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1
    # a command's first word alone, or with a second word it does not have: the second words it has
    for args in (["ledger"], ["ledger", "frob"], ["token"]):
        p = subprocess.run([BIN, *args], capture_output=True, text=True)
        assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1, args
    assert "check, rebuild, lights" in subprocess.run([BIN, "ledger"], capture_output=True, text=True).stderr
    # a database of its own (a shared path would carry other builds' schemas between runs), and cwd in
    # tmp_path: init writes the seal key to ./data when no data_dir is configured
    p = subprocess.run([BIN, "init", "--db", str(tmp_path / "x.db"), "--bogus"], capture_output=True, text=True,
                       cwd=tmp_path)
    assert p.returncode != 0 and "--bogus" in p.stderr


def test_env_db_is_used(tmp_path, backend):
    db = backend.new_db(empty=True)
    # in tmp_path: init writes the seal key to ./data when no data_dir is configured
    p = subprocess.run([BIN, "init"], capture_output=True, text=True, env={"DUCHA_DB": db, "PATH": "/usr/bin:/bin"},
                       cwd=tmp_path)
    assert p.returncode == 0, p.stderr


def test_demo_refuses_a_database_with_data(server):
    p = run_cli("demo", db=server.db, check=False)
    assert p.returncode != 0 and "empty database" in p.stderr


def test_user_add_passwd_and_sign_in(server, unique):
    p = run_cli("user", "add", f"cli{unique}", "--name", "命令行用户", "--role", "contact@gc-jt", "--role",
                "head@gc-zj", "--password-stdin", db=server.db, stdin="Cli2026pass\n")
    assert "created" in p.stderr
    c = Client(server.url)
    c.login(f"cli{unique}", "Cli2026pass")
    assert {r["unit_code"] for r in c.user["roles"]} == {"gc-jt", "gc-zj"}
    run_cli("user", "passwd", f"cli{unique}", "--password-stdin", db=server.db, stdin="Other2026pass\n")
    Client(server.url).login(f"cli{unique}", "Other2026pass")
    # refusals: bad role, unknown unit, weak password, missing stdin flag, duplicate
    for args, stdin in [
        (["--role", "king@gc"], "Good2026pass\n"),
        (["--role", "contact@no-such-unit"], "Good2026pass\n"),
        (["--role", "contact@gc"], "weak\n"),
    ]:
        p = run_cli("user", "add", f"bad{unique}", "--name", "x", *args, "--password-stdin", db=server.db,
                    stdin=stdin, check=False)
        assert p.returncode != 0 and len(p.stderr.strip().splitlines()) == 1, p.stderr
    p = run_cli("user", "add", f"cli{unique}", "--name", "x", "--role", "contact@gc", "--password-stdin",
                db=server.db, stdin="Good2026pass\n", check=False)
    assert p.returncode != 0 and "已存在" in p.stderr
    p = run_cli("user", "add", f"nopw{unique}", "--name", "x", "--role", "contact@gc", db=server.db, check=False)
    assert p.returncode != 0 and "password-stdin" in p.stderr


def test_import_units_from_csv_file(server, tmp_path, unique):
    f = tmp_path / "units.csv"
    f.write_text("code,name,kind,parent_code,principal,contact\n"
                 f"cu-{unique},古城县大数据中心,department,gc,吴一,周二\n", encoding="utf-8")
    p = run_cli("import", "units", str(f), db=server.db)
    assert "1 created" in p.stderr and p.stdout == ""
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,parent_code,principal,contact\nzz,坏,nope,gc,,\n", encoding="utf-8")
    p = run_cli("import", "units", str(bad), db=server.db, check=False)
    assert p.returncode != 0 and "row 2" in p.stderr
    p = run_cli("import", "units", str(tmp_path / "missing.csv"), db=server.db, check=False)
    assert p.returncode != 0 and "cannot read" in p.stderr


def test_init_creates_a_seal_key_file_once(tmp_path):
    data = tmp_path / "data"
    env = {"DUCHA_SECRET_KEY": "", "DUCHA_DATA_DIR": str(data)}
    db = str(tmp_path / "k.db")
    p = run_cli("init", db=db, env=env)
    key = data / "secret.key"
    assert "secret.key" in p.stderr and oct(key.stat().st_mode & 0o777) == "0o600"
    first = key.read_text()
    assert len(first.strip()) == 64 and first.strip() not in p.stderr + p.stdout
    run_cli("init", db=db, env=env)
    assert key.read_text() == first
    key.write_text("short\n")
    p = run_cli("init", db=db, env=env, check=False)
    assert p.returncode != 0 and "too short" in p.stderr


def test_a_command_on_a_database_that_is_not_there_makes_none(tmp_path):
    """A mistyped --db: `audit verify` made an empty database and reported every record of the trail removed,
    `ledger check` found no difference. Only init, demo, gen and serve make the file (a SQLite path on both suites:
    PostgreSQL's databases are made by its own tools)."""
    missing = tmp_path / "typo.db"
    for args in (["audit", "verify"], ["ledger", "check"], ["scan"], ["token", "create", "admin"],
                 ["todos", "rebuild"]):
        p = run_cli(*args, db=str(missing), check=False)
        assert p.returncode != 0 and "typo.db' does not exist" in p.stderr and "ducha init" in p.stderr, (args, p)
        assert not list(tmp_path.iterdir()), (args, list(tmp_path.iterdir()))
    run_cli("init", db=str(missing))
    assert run_cli("ledger", "check", db=str(missing)).returncode == 0
