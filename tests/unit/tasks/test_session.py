"""tasks.session: which render this process works for (a named farm session, a
local render, or the workers of one luigid, however they name its host), and the
locks a local render still holds released when it ends."""
from __future__ import annotations

import os
import socket

import luigi.configuration
import pytest

from pipeline.openjd.environment import SESSION_VARIABLE
from pipeline.workarea import lock
from tasks import session


@pytest.fixture
def fresh_session(monkeypatch):
    """render_session() asked anew, with the [core] options a test sets."""
    config = luigi.configuration.get_config()
    set_options = []

    def core(**options):
        for key, value in options.items():
            config.set("core", key, str(value))
            set_options.append(key)

    if not config.has_section("core"):
        config.add_section("core")
    monkeypatch.delenv(SESSION_VARIABLE, raising=False)
    # render_session() starts the lock heartbeat, a daemon thread that never ends: it
    # would go on touching the locks of later tests' sessions for the whole test run
    monkeypatch.setattr(session, "_heartbeat", lambda me: None)
    session.render_session.cache_clear()
    yield core
    session.render_session.cache_clear()
    for key in set_options:
        config.remove_option("core", key)


def short_host() -> str:
    return socket.gethostname().split(".")[0].lower()


def test_a_host_is_named_as_every_worker_names_it():
    assert session._host_name("localhost") == short_host()
    assert session._host_name("127.0.0.1") == short_host()
    assert session._host_name("10.1.2.3") == "10.1.2.3"
    assert session._host_name("Farm01.Studio.LAN") == "farm01"


def test_a_named_session_is_shared_by_every_process_that_names_it(fresh_session, monkeypatch):
    monkeypatch.setenv(SESSION_VARIABLE, "  farm job 42 ")
    me = session.render_session()
    assert me.session == "farm job 42" and me.shared
    assert me.pid == session._MAIN_PID
    assert session.render_session() is me  # asked once per process


def test_a_local_render_is_this_process_tree(fresh_session):
    fresh_session(local_scheduler=True)
    me = session.render_session()
    assert me.session == f"local {socket.gethostname()} {os.getpid()}" and not me.shared


def test_the_workers_of_one_luigid_share_a_session(fresh_session):
    fresh_session(scheduler_host="localhost", scheduler_port=8099)
    assert session.render_session().session == f"luigid {short_host()}:8099"
    session.render_session.cache_clear()
    fresh_session(scheduler_url="http://Render01.studio.lan:9000/")
    assert session.render_session().session == "luigid render01:9000"


def test_a_local_render_releases_the_locks_it_still_holds_at_exit(fresh_session, project):
    fresh_session(local_scheduler=True)
    me = session.render_session()
    mine, other = project.work / "s01", project.work / "s02"
    lock.take(mine, me, "s01")
    lock.take(other, lock.shared_session("farm job 7", "openjd run"), "s02")
    session._release_at_exit()
    assert lock.read_holder(mine) is None
    assert lock.read_holder(other).session == "farm job 7"  # not this render's


def test_a_shared_session_leaves_its_locks_to_go_stale(fresh_session, project, monkeypatch):
    monkeypatch.setenv(SESSION_VARIABLE, "farm job 8")
    me = session.render_session()
    lock.take(project.work / "s01", me, "s01")
    session._release_at_exit()
    assert lock.read_holder(project.work / "s01").session == "farm job 8"


def test_a_process_that_never_asked_for_a_session_releases_nothing(fresh_session, project):
    holder = lock.local_session("luigi ...", os.getpid())
    lock.take(project.work / "s01", holder, "s01")
    session._release_at_exit()  # render_session() was never called in this test
    assert lock.read_holder(project.work / "s01") is not None
