"""A pytest plugin (`-p modqueue`, tests/api on PYTHONPATH) that lets several pytest processes share one run of
tests/api: with DUCHA_TEST_QUEUE=DIR (a directory new for the run, the same for every process), each process
collects every test but runs a test module only if it claims it first, by creating DIR/<module> (O_EXCL: one
process wins), so each module runs exactly once, whole, in one process, with its module fixtures as before.
A process that finishes a module claims the next one not yet taken: the processes end together however long
the modules take. The known long modules are offered first (SLOW_FIRST), so none of them starts last.

How `make test-api` and `make test-api-pg` use both cores: one pytest process sends one request at a time and
waits for its server, so one suite alone keeps about one core busy (the PostgreSQL suite ran the last minutes of
`make test` alone). Each process has its own session fixtures (its own PostgreSQL cluster and demo templates,
tests/api/conftest.py Backend). Without DUCHA_TEST_QUEUE the plugin does nothing."""
import os
import time

import pytest

# the longest modules of the PostgreSQL suite as last measured (the lead's run of `make test`: random actions
# 147 s, the authorization matrix 144 s, the city's covert inspection 118 s, the reporter sweep 100 s, the
# to-dos matrix 80 s, backup/restore 63 s, crash 50 s, the workflows 43 s of teardown): offered first
SLOW_FIRST = ("test_ledger_scale.py", "test_authz_matrix.py", "test_inspections_secrecy.py",
              "test_clues_protection.py", "test_todos_matrix.py", "test_backup_restore.py", "test_crash.py",
              "test_workflows.py")


def _modules(items):
    """The items grouped by module, in collection order, the SLOW_FIRST modules first."""
    groups = {}
    for item in items:
        groups.setdefault(item.path, []).append(item)
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    order = sorted(groups, key=lambda p: rank.get(p.name, len(rank)))  # stable: the rest in collection order
    return [groups[p] for p in order]


def _claim(queue, path):
    try:
        os.close(os.open(os.path.join(queue, path.name), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    queue = os.environ.get("DUCHA_TEST_QUEUE")
    if not queue or session.config.option.collectonly:
        return None
    # as _pytest/main.py's loop: a collection error stops the run
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        raise session.Interrupted(f"{session.testsfailed} error{'s' if session.testsfailed != 1 else ''} "
                                  "during collection")
    groups = _modules(session.items)
    ran, times = 0, []
    for g, group in enumerate(groups):
        if not _claim(queue, group[0].path):
            continue
        ran += 1
        start = time.monotonic()
        for i, item in enumerate(group):
            # the next item tells pytest which fixtures to tear down after this one: within the module, the
            # module's own are kept; after its last item, any later module's first item (whichever process
            # runs it) ends the module's fixtures and keeps the session's; the session's end with the run
            # (pytest_sessionfinish tears down what is left)
            nextitem = group[i + 1] if i + 1 < len(group) else groups[g + 1][0] if g + 1 < len(groups) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if session.shouldfail:
                raise session.Failed(session.shouldfail)
            if session.shouldstop:
                raise session.Interrupted(session.shouldstop)
        # wall time from its first test's setup to its last test's end (its module fixtures' teardown runs with
        # the next module's first test)
        times.append((time.monotonic() - start, group[0].path.name))
    session.config._modqueue_ran = (ran, len(groups))
    session.config._modqueue_times = sorted(times, reverse=True)
    return True


def pytest_terminal_summary(terminalreporter, config):
    ran = getattr(config, "_modqueue_ran", None)
    if ran:
        terminalreporter.write_line(f"modqueue: this process ran {ran[0]} of the {ran[1]} modules "
                                    f"(the others ran in the other processes of the run)")
        times = config._modqueue_times
        terminalreporter.write_line("modqueue: the longest modules of this process (wall seconds): " +
                                    ", ".join(f"{name} {secs:.0f}" for secs, name in times[:20]))
