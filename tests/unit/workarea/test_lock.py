"""The shot lock (pipeline/workarea/lock.py): taken, refreshed by its own
session, refused to another while its holder lives, taken over once stale, and
taken by exactly one of many processes racing for a stale lock; a lock file
that cannot be read (or is a folder) as the takers and `status` see it."""
from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time

import pytest

from pipeline.workarea import lock
from pipeline.workarea.lock import Holder, ShotLockedError


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _write(root, holder: Holder) -> None:
    root.mkdir(parents=True, exist_ok=True)
    lock.lock_path(root).write_text(json.dumps(dataclasses.asdict(holder)))


def test_take_writes_the_holder_and_its_own_session_refreshes_it(tmp_path):
    me = lock.local_session("luigi --module tasks RenderShot --shot s01")
    lock.take(tmp_path, me, "s01")
    held = lock.read_holder(tmp_path)
    assert (held.session, held.host, held.pid, held.command) == (
        me.session, socket.gethostname(), me.pid, me.command)
    first_beat = held.beat
    time.sleep(0.01)
    lock.take(tmp_path, me, "s01")  # a second task of the same render
    again = lock.read_holder(tmp_path)
    assert again.since == held.since and again.beat > first_beat


def test_another_live_render_is_refused_with_one_line_naming_the_holder(tmp_path):
    holder = lock.local_session("luigi --module tasks RenderShot --shot s01")  # this process
    lock.take(tmp_path, holder, "s01")
    other = lock.local_session("luigi ... --workers 2", pid=_dead_pid())
    with pytest.raises(ShotLockedError) as err:
        lock.take(tmp_path, other, "s01")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.since))
    assert str(err.value) == (
        f"s01: another render holds this shot: 'luigi --module tasks RenderShot --shot s01' "
        f"on {socket.gethostname()} (pid {holder.pid}) since {when}; wait for it to finish, "
        f"or stop it, then re-run (the lock is {tmp_path / 'render.lock'})")
    assert lock.read_holder(tmp_path).session == holder.session


def test_a_lock_whose_process_is_gone_is_taken_over(tmp_path):
    _write(tmp_path, dataclasses.replace(lock.local_session("killed", pid=_dead_pid()),
                                         beat=time.time()))
    me = lock.local_session("new")
    lock.take(tmp_path, me, "s01")
    assert lock.read_holder(tmp_path).session == me.session
    assert [p.name for p in tmp_path.iterdir()] == ["render.lock"]  # nothing left aside


def test_a_lock_of_another_host_is_stale_only_when_its_beat_is_old(tmp_path):
    now = time.time()
    far = Holder("local farm07 4242", "farm07", 4242, "luigi ...", now - 600, beat=now - 5)
    assert not lock.is_stale(far)
    assert lock.is_stale(dataclasses.replace(far, beat=now - lock.STALE_AFTER_S - 1))


def test_a_luigid_session_lives_while_any_of_its_workers_beats(tmp_path):
    now = time.time()
    gone_here = dataclasses.replace(lock.shared_session("luigid farm01:8082", "batch", pid=_dead_pid()),
                                    beat=now - 5)
    assert not lock.is_stale(gone_here)  # another host's worker may still work for it
    assert lock.is_stale(dataclasses.replace(gone_here, beat=now - lock.STALE_AFTER_S - 1))
    alive_here = dataclasses.replace(lock.shared_session("luigid farm01:8082", "batch"),
                                     beat=now - lock.STALE_AFTER_S - 1)
    assert not lock.is_stale(alive_here)
    # every worker of that scheduler shares the lock, whatever its host and pid
    _write(tmp_path, gone_here)
    os.utime(lock.lock_path(tmp_path), (now - 60, now - 60))
    lock.take(tmp_path, lock.shared_session("luigid farm01:8082", "batch on another host"), "s01")
    held = lock.read_holder(tmp_path)
    assert held.command == "batch" and held.beat > now - 1  # the same lock, beating


def test_release_removes_only_its_own_lock(tmp_path):
    me, other = lock.local_session("a"), lock.local_session("b", pid=1)
    lock.take(tmp_path, me, "s01")
    lock.release(tmp_path, other)
    assert lock.read_holder(tmp_path) is not None
    lock.release(tmp_path, me)
    assert lock.read_holder(tmp_path) is None


def _race(root, index, start, results, done):
    me = lock.local_session(f"racer {index}")
    me = dataclasses.replace(me, session=f"racer {index}")
    start.wait()
    try:
        lock.take(root, me, "s01")
        results.put(index)
    except ShotLockedError:
        results.put(-1)
    done.wait(30)  # a holder that exits leaves a stale lock: the others would take it


def test_one_of_many_processes_takes_a_stale_lock(tmp_path):
    _write(tmp_path, dataclasses.replace(lock.local_session("killed", pid=_dead_pid()),
                                         beat=time.time()))
    start, done, results = multiprocessing.Event(), multiprocessing.Event(), multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_race, args=(tmp_path, i, start, results, done))
             for i in range(6)]
    for p in procs:
        p.start()
    start.set()
    won = [results.get(timeout=30) for _ in procs]
    done.set()
    for p in procs:
        p.join(30)
    winners = [i for i in won if i >= 0]
    assert len(winners) == 1, won
    assert lock.read_holder(tmp_path).session == f"racer {winners[0]}"


def test_a_lock_taken_after_the_stale_one_was_found_is_never_removed(tmp_path):
    """The old race: taker B finds the stale lock; A removes it and takes the shot;
    B's removal must not remove A's fresh lock (two winners)."""
    _write(tmp_path, lock.local_session("killed", pid=_dead_pid()))
    path = lock.lock_path(tmp_path)
    seen_by_b = lock._identity(path)
    path.unlink()
    a = lock.local_session("a")
    lock.take(tmp_path, a, "s01")
    lock._remove_stale(path, seen_by_b)
    assert lock.read_holder(tmp_path).session == a.session
    assert not path.with_name(".render.lock.breaking").exists()


def test_a_stale_lock_beaten_since_it_was_found_is_not_removed(tmp_path):
    _write(tmp_path, lock.local_session("slow", pid=_dead_pid()))
    path = lock.lock_path(tmp_path)
    seen = lock._identity(path)
    later = time.time() + 5
    os.utime(path, (later, later))  # its holder's beat came after all
    lock._remove_stale(path, seen)
    assert path.exists()
    lock._remove_stale(path, lock._identity(path))
    assert not path.exists()


def test_a_breaker_left_by_a_dead_taker_is_cleared_once_old(tmp_path, monkeypatch):
    _write(tmp_path, lock.local_session("killed", pid=_dead_pid()))
    breaker = lock.lock_path(tmp_path).with_name(".render.lock.breaking")
    breaker.write_text("")
    with pytest.raises(ShotLockedError):  # a live breaker: the stale lock is left to its taker
        lock.take(tmp_path, lock.local_session("a"), "s01")
    then = time.time() - lock.BREAKER_STALE_S - 1
    os.utime(breaker, (then, then))
    me = lock.local_session("b")
    lock.take(tmp_path, me, "s01")
    assert lock.read_holder(tmp_path).session == me.session and not breaker.exists()


def _soon(condition, timeout: float = 10.0) -> bool:
    """Whether ``condition()`` comes true within ``timeout`` seconds: the beat
    thread's next turn, however long a busy machine keeps it waiting."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_holding_refreshes_the_beat_while_the_block_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(lock, "HEARTBEAT_S", 0.05)
    me = lock.local_session("a")
    with lock.holding(tmp_path, me, "s01"):
        first = lock.read_holder(tmp_path).beat
        assert _soon(lambda: lock.read_holder(tmp_path).beat > first)
    assert lock.read_holder(tmp_path) is not None  # kept until the render ends


def test_a_hold_taken_over_by_another_render_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(lock, "HEARTBEAT_S", 0.05)
    me = lock.local_session("a")
    with lock.holding(tmp_path, me, "s01") as hold:
        hold.check()
        # another live render (pytest's parent process) took the shot over
        _write(tmp_path, lock.local_session("b", pid=os.getppid()))
        assert _soon(lambda: hold.lost is not None)  # the next beat found it
        with pytest.raises(ShotLockedError) as err:
            hold.check()
    assert str(err.value).startswith("s01: lost the shot's lock to another render: s01: "
                                     "another render holds this shot: 'b' on "), str(err.value)


def test_touch_held_touches_only_the_session_s_locks(tmp_path):
    me, other = lock.local_session("a"), lock.local_session("b", pid=os.getppid())
    lock.take(tmp_path / "s01", me, "s01")
    lock.take(tmp_path / "s02", other, "s02")
    for shot in ("s01", "s02"):
        os.utime(lock.lock_path(tmp_path / shot), (1, 1))
    lock.touch_held(tmp_path, me)
    assert lock.read_holder(tmp_path / "s01").beat > time.time() - 5
    assert lock.read_holder(tmp_path / "s02").beat == 1


def test_a_reused_pid_is_not_taken_for_the_holder(tmp_path):
    """The lock names a live pid, but not the process that took it (a reboot or
    a crash gave the pid to another process): stale."""
    if not lock.process_identity(os.getpid()):
        pytest.skip("no /proc here")
    alive = lock.local_session("killed long ago", pid=os.getppid())
    assert not lock.is_stale(dataclasses.replace(alive, beat=time.time()))
    reused = dataclasses.replace(alive, process=alive.process + "0", beat=time.time())
    assert lock.is_stale(reused)


def _write_fields(root, fields: dict, age: float = 0.0) -> None:
    root.mkdir(parents=True, exist_ok=True)
    path = lock.lock_path(root)
    path.write_text(json.dumps(fields))
    if age:
        then = time.time() - age
        os.utime(path, (then, then))


def test_a_live_lock_with_a_field_more_is_respected_and_kept(tmp_path):
    """A newer version's lock (one field more) of a live render: refused, the file unchanged."""
    holder = lock.local_session("newer render")  # this process: alive
    fields = {**{k: v for k, v in dataclasses.asdict(holder).items() if k != "beat"},
              "gpu": "0", "version": 3}
    _write_fields(tmp_path, fields)
    with pytest.raises(ShotLockedError) as err:
        lock.take(tmp_path, lock.local_session("other", pid=_dead_pid()), "s01")
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.since))
    assert str(err.value) == (
        f"s01: another render holds this shot: 'newer render' on {socket.gethostname()} "
        f"(pid {holder.pid}) since {when}; wait for it to finish, or stop it, then re-run "
        f"(the lock is {tmp_path / 'render.lock'})")
    assert json.loads(lock.lock_path(tmp_path).read_text()) == fields
    assert lock.live_holder(tmp_path).session == holder.session


@pytest.mark.parametrize("pid", [0, -1, 1, "4242", 4242.0, None, True])
def test_a_lock_held_by_an_impossible_pid_is_stale(tmp_path, pid):
    fields = {k: v for k, v in dataclasses.asdict(lock.local_session("x")).items() if k != "beat"}
    _write_fields(tmp_path, {**fields, "pid": pid, "process": ""})
    assert lock.is_stale(lock.read_holder(tmp_path))
    me = lock.local_session("new")
    lock.take(tmp_path, me, "s01")
    assert lock.read_holder(tmp_path).session == me.session


@pytest.mark.parametrize("fields, why", [
    ({"since": "yesterday"}, "its 'since' is 'yesterday'"),
    ({"host": 7}, "its 'host' is 7"),
    ({"session": None}, "its 'session' is None"),
    ({"pid": "missing"}, "it has no 'pid'"),
])
def test_a_lock_with_wrong_fields_is_respected_until_its_beat_is_old(tmp_path, fields, why):
    good = {k: v for k, v in dataclasses.asdict(lock.local_session("x")).items() if k != "beat"}
    bad = {**good, **fields}
    if fields.get("pid") == "missing":
        del bad["pid"]
    _write_fields(tmp_path, bad, age=60)
    me = lock.local_session("new")
    with pytest.raises(ShotLockedError) as err:
        lock.take(tmp_path, me, "s01")
    assert str(err.value) == (
        f"s01: the lock {tmp_path / 'render.lock'} cannot be read ({why}); it is taken for a "
        f"live render's until it is 120 s old (it is 60 s old): wait, or remove it if no "
        f"render holds this shot, then re-run")
    assert lock.read_holder(tmp_path) is None and lock.live_holder(tmp_path) is None
    os.utime(lock.lock_path(tmp_path), (1, 1))  # its beat is old: stale
    lock.take(tmp_path, me, "s01")
    assert lock.read_holder(tmp_path).session == me.session


@pytest.mark.parametrize("text, why", [("[1, 2]", "it is not a JSON object"),
                                       ("{\"session\": ", "it is not JSON")])
def test_a_lock_that_is_not_a_json_object_is_respected_until_its_beat_is_old(tmp_path, text, why):
    tmp_path.mkdir(exist_ok=True)
    path = lock.lock_path(tmp_path)
    path.write_text(text)
    os.utime(path, (time.time() - 30, time.time() - 30))
    with pytest.raises(ShotLockedError) as err:
        lock.take(tmp_path, lock.local_session("new"), "s01")
    assert str(err.value) == (
        f"s01: the lock {path} cannot be read ({why}); it is taken for a live render's until "
        f"it is 120 s old (it is 30 s old): wait, or remove it if no render holds this shot, "
        f"then re-run")


def test_a_lock_that_is_a_folder_refuses_renders_in_one_line_and_is_kept(tmp_path):
    lock.lock_path(tmp_path).mkdir(parents=True)
    (lock.lock_path(tmp_path) / "notes.txt").write_text("someone's")
    with pytest.raises(ShotLockedError) as err:
        lock.take(tmp_path, lock.local_session("new"), "s01")
    assert str(err.value) == (f"s01: the lock {tmp_path / 'render.lock'} is a folder, not a "
                              f"lock file (no render makes one): remove it, then re-run")
    assert (lock.lock_path(tmp_path) / "notes.txt").read_text() == "someone's"
    assert lock.lock_note(tmp_path) == (
        f"lock: {tmp_path / 'render.lock'} is a folder, not a lock file: renders of this shot "
        f"are refused until it is removed")


def test_the_lock_note_says_what_a_taker_would_do(tmp_path):
    assert lock.lock_note(tmp_path) is None  # no lock (and no work area)
    path = lock.lock_path(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    path.write_text("{\"session\": ")
    beat = time.time() - 30
    os.utime(path, (beat, beat))
    until = time.strftime("%H:%M:%S", time.localtime(beat + lock.STALE_AFTER_S))
    assert lock.lock_note(tmp_path) == (f"lock: {path} cannot be read (it is not JSON); taken "
                                        f"for a live render's until {until}")
    assert lock.lock_note(tmp_path, now=beat + lock.STALE_AFTER_S + 1) == (
        f"lock: {path} cannot be read (it is not JSON); over 120 s old: the next render takes "
        f"it over")
    holder = lock.local_session("luigi --module tasks RenderShot --shot s01")  # this process
    path.unlink()
    lock.take(tmp_path, holder, "s01")
    assert lock.lock_note(tmp_path) == f"rendering now: {holder.describe()}"
    _write(tmp_path, dataclasses.replace(lock.local_session("killed", pid=_dead_pid())))
    assert lock.lock_note(tmp_path) is None  # stale: free
