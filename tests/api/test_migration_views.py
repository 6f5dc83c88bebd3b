"""The views of the migrations (0044: user_principals; 0305: item_detail) and the migrations that change the
tables they read (docs/internals/store.md "Views and the migrations after them").

A migration that drops, renames or retypes a column of a table a view reads, or drops or renames the table
itself, must drop the view first and create it again after: PostgreSQL refuses to drop or retype a column a
view depends on (and `DROP TABLE … CASCADE` would silently drop the view, failing every request at run time),
SQLite refuses the RENAME of a rebuilt table while a view names it. Adding a column needs nothing (the views
name their columns). This reads every migration file; it runs the same on both databases."""
import pathlib
import re

MIGRATIONS = pathlib.Path(__file__).resolve().parents[2] / "src" / "store" / "migrations"

IDENT = r'"?([A-Za-z_][A-Za-z0-9_]*)"?'


def strip_comments(sql):
    return re.sub(r"--[^\n]*", "", sql)


def apply_views(views, sql):
    """views ({view: set of tables it reads}) after migration sql: a view it creates reads what its (last) CREATE VIEW
    reads (0306 makes item_detail again without units); a view it drops without creating it again is gone (0305 drops
    item_detail_lists)."""
    views = dict(views)
    text = strip_comments(sql)
    created = set()
    for m in re.finditer(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?" + IDENT +
                         r"\s+AS\s+(.*?)(?:;|\Z)", text, re.I | re.S):
        views[m.group(1).lower()] = {t.lower() for t in re.findall(r"\b(?:FROM|JOIN)\s+" + IDENT, m.group(2), re.I)}
        created.add(m.group(1).lower())
    for m in re.finditer(r"DROP\s+VIEW\s+(?:IF\s+EXISTS\s+)?" + IDENT, text, re.I):
        if m.group(1).lower() not in created:
            views.pop(m.group(1).lower(), None)
    return {v: tables - set(views) for v, tables in views.items()}  # a view read by a view is read through it


def views_of(files):
    """{view: set of tables it reads} after the migrations (name, sql), in the files' order."""
    views = {}
    for _, sql in files:
        views = apply_views(views, sql)
    return views


def changes(sql):
    """(position, table) of every statement that drops, renames or retypes a column of a table, or drops or
    renames the table."""
    sql = strip_comments(sql)
    found = []
    for m in re.finditer(r"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?" + IDENT + r"\s+(.*?)(?:;|\Z)", sql, re.I | re.S):
        action = m.group(2)
        if (re.search(r"\bRENAME\b", action, re.I) or
                re.search(r"\bDROP\s+(?!CONSTRAINT\b|DEFAULT\b|NOT\b|IDENTITY\b|EXPRESSION\b)", action, re.I) or
                re.search(r"\bALTER\s+(?:COLUMN\s+)?" + IDENT + r"\s+(?:SET\s+DATA\s+)?TYPE\b", action, re.I)):
            found.append((m.start(), m.group(1).lower()))
    for m in re.finditer(r"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?" + IDENT, sql, re.I):
        found.append((m.start(), m.group(1).lower()))
    return found


def violations(files):
    """The changes of a view's table in a migration that does not drop the view before and create it after: the
    views as the migrations before it left them."""
    views = {}
    bad = []
    for name, sql in files:
        text = strip_comments(sql)
        for pos, table in changes(sql):
            for view, tables in views.items():
                if table not in tables:
                    continue
                drop = re.search(r"DROP\s+VIEW\s+(?:IF\s+EXISTS\s+)?" + view + r"\b", text[:pos], re.I)
                create = re.search(r"CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?" + view + r"\b",
                                   text[pos:], re.I)
                if not (drop and create):
                    bad.append(f"{name}: changes {table} (read by view {view}) without dropping the view before "
                               "and creating it again after")
        views = apply_views(views, sql)
    return bad


def migration_files():
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(MIGRATIONS.glob("*.sql"))]


def test_the_views_read_the_tables_the_checks_name():
    views = views_of(migration_files())
    assert views["user_principals"] == {"users", "user_roles", "units", "leader_portfolio"}
    assert views["item_detail"] == {"items", "item_tracks", "item_extensions", "item_suspensions", "name_generation"}
    assert "item_detail_lists" not in views, "dropped by 0305"


def test_every_migration_that_changes_a_views_table_creates_the_view_again():
    assert violations(migration_files()) == []


def test_the_check_catches_a_migration_that_forgets_the_view():
    files = migration_files()
    forgot = [
        ("9990_drop.postgres.sql", "ALTER TABLE item_tracks DROP COLUMN plan_text;"),
        ("9991_type.postgres.sql", "ALTER TABLE users ALTER COLUMN name TYPE varchar(80);"),
        ("9992_rename.sql", "ALTER TABLE item_suspensions RENAME COLUMN reason TO why;"),
        ("9993_rebuild.sqlite.sql", "CREATE TABLE units_new (id INTEGER PRIMARY KEY);\n"
                                    "INSERT INTO units_new SELECT id FROM units;\nDROP TABLE units;\n"
                                    "ALTER TABLE units_new RENAME TO units;"),
        ("9994_after.sql", "ALTER TABLE leader_portfolio DROP unit_id;\nDROP VIEW user_principals;\n"
                           "CREATE VIEW user_principals AS SELECT u.id AS user_id FROM users u;"),
    ]
    bad = violations(files + forgot)
    for name, _ in forgot:
        assert any(b.startswith(name + ":") for b in bad), (name, bad)
    assert any("units (read by view user_principals)" in b for b in bad)
    assert any("item_tracks (read by view item_detail)" in b for b in bad)
    assert not any("units (read by view item_detail)" in b for b in bad), "item_detail reads units no more (0306)"
    # done right: the view dropped before and created again after; adding a column or a constraint needs nothing
    right = [
        ("9995_right.postgres.sql", "DROP VIEW item_detail;\nALTER TABLE item_tracks DROP COLUMN plan_text;\n"
                                    "CREATE VIEW item_detail AS SELECT i.id AS item_id FROM items i;"),
        ("9996_add.sql", "ALTER TABLE items ADD COLUMN note TEXT;\nALTER TABLE units DROP CONSTRAINT units_code_key;\n"
                         "ALTER TABLE users ALTER COLUMN name SET DEFAULT '';"),
    ]
    assert violations(files + right) == []
