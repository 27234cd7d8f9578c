"""One render per shot: ``work/<shot>/render.lock``.

A render (every process and host working for one scheduler) holds its shot's
lock while it writes there, so two renders started with different flags never
write one shot at once. The lock file (JSON) names its holder: the render's
``session`` (one local-scheduler run, or every worker of one ``luigid``), the
host, the pid of the render's main process, its command and when it was
taken; its tasks touch it every HEARTBEAT_S seconds (its mtime is the beat).

Another session may take the lock over only once it is stale:

- a local-scheduler render is one process tree: stale as soon as its main
  process is gone (same host: ``kill(pid, 0)``), or on another host once its
  beat is older than STALE_AFTER_S;
- a shared session (every worker of one ``luigid``, every task of one farm
  job) spans processes on many hosts: stale once its beat
  is older than STALE_AFTER_S and, when its first taker is on this host, that
  process is gone.

A session releases its locks when its main process ends (``tasks/session.py``).

It is a plain file on the shared work area, so it works on NFS and SMB: it is
created with ``O_EXCL`` (atomic on NFSv3 and later), refreshed by touching
it (no new file: a full volume keeps its lock). A stale one is removed only by
the taker that holds ``.render.lock.breaking`` (also created with ``O_EXCL``),
and only while it is still the file found stale (same inode, size and beat):
so a lock just taken by another taker is never removed, and one taker wins.
No lock library covers a lock shared by the many processes of one session, nor
the host and pid test; ``filelock``'s soft locks have neither.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Optional

from pipeline.errors import ShotstyleError, os_error

LOCK_NAME = "render.lock"
HEARTBEAT_S = 20.0
STALE_AFTER_S = 120.0


class ShotLockedError(ShotstyleError):
    """Another render holds the shot."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or asks for) a shot's lock."""
    # what may share the lock: "local <host> <pid>" (one process tree), or a
    # shared one: "luigid <host>:<port>", "farm job <id>"
    session: str
    host: str
    pid: int          # the session's main process on ``host``
    command: str
    since: float      # when the session took the lock
    beat: float = 0.0  # last refresh: the file's mtime (not written in it)
    # which process ``pid`` is on ``host``: boot id and start time (Linux's /proc),
    # so that a pid reused after a reboot or a crash is not taken for the holder
    process: str = ""

    @property
    def shared(self) -> bool:
        return not self.session.startswith("local ")

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since))
        return f"{self.command!r} on {self.host} (pid {self.pid}) since {when}"


def local_session(command: str, pid: Optional[int] = None) -> Holder:
    """The holder for a render with its own (local) scheduler: only this process tree."""
    host, pid = socket.gethostname(), pid or os.getpid()
    return Holder(f"local {host} {pid}", host, pid, command, time.time(),
                  process=process_identity(pid))


def shared_session(name: str, command: str, pid: Optional[int] = None) -> Holder:
    """The holder for one of many processes, on any host, that render as one:
    ``name`` is "luigid <host>:<port>" (the workers of a central scheduler) or
    "farm job <id>" (the tasks of a farm job)."""
    pid = pid or os.getpid()
    return Holder(name, socket.gethostname(), pid, command, time.time(),
                  process=process_identity(pid))


def process_identity(pid: int) -> str:
    """``<boot id>:<start time>`` of process ``pid`` (Linux), "" where /proc has
    no answer: a pid names one process only within one boot and one life."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return f"{boot}:{stat.rsplit(')', 1)[1].split()[19]}"  # field 22, starttime


def lock_path(shot_root: Path) -> Path:
    return Path(shot_root) / LOCK_NAME


def read_holder(shot_root: Path) -> Optional[Holder]:
    """The lock's holder, or None when there is no lock (or it is being written)."""
    return _read(lock_path(shot_root))


# what each field the reader knows must hold; a newer version may write more
# fields (ignored here, the lock respected by these), and the pid is checked
# apart: one that no render can have (not an int, or 0, -1, 1) makes it stale
_TEXT, _TIME = (str,), (int, float)
_FIELDS = {"session": _TEXT, "host": _TEXT, "command": _TEXT, "since": _TIME,
           "process": _TEXT}


class Unreadable(ValueError):
    """A whole lock file whose known fields are missing or of the wrong type."""


def _parse(text: str, beat: float) -> Holder:
    """The holder a lock file's text names; ValueError while it is not whole
    JSON (being written), Unreadable when its fields are wrong."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise Unreadable("it is not a JSON object")
    for name, types in _FIELDS.items():
        value = data.get(name, "" if name == "process" else None)
        if isinstance(value, bool) or not isinstance(value, types):
            raise Unreadable(f"its {name!r} is {value!r}")
    if "pid" not in data:
        raise Unreadable("it has no 'pid'")
    known = {name: data[name] for name in (*_FIELDS, "pid") if name in data}
    return Holder(**known, beat=beat)


#: why a lock file is not read: it is a folder (no render makes one)
FOLDER = "it is a folder"


@dataclass(frozen=True)
class LockFile:
    """A shot's lock file as it is on disk: its holder, or why it cannot be read."""
    path: Path
    holder: Optional[Holder]  # None: it cannot be read (``why``)
    beat: float               # its mtime
    why: str = ""


def _inspect(path: Path) -> Optional[LockFile]:
    """The lock file at ``path``; None when there is none (no work area either)."""
    try:
        beat = path.stat().st_mtime
        if path.is_dir():
            return LockFile(path, None, beat, FOLDER)
        return LockFile(path, _parse(path.read_text(encoding="utf-8"), beat), beat)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except Unreadable as exc:
        return LockFile(path, None, beat, str(exc))
    except (ValueError, UnicodeDecodeError):
        return LockFile(path, None, beat, "it is not JSON")
    except OSError as exc:
        return LockFile(path, None, beat, f"it cannot be opened: {exc.strerror}")


def read_lock(shot_root: Path) -> Optional[LockFile]:
    """The shot's lock file, readable or not; None when there is none."""
    return _inspect(lock_path(shot_root))


def _read(path: Path) -> Optional[Holder]:
    """The lock's holder; None when there is none or it cannot be read."""
    found = _inspect(path)
    return found.holder if found is not None else None


def _possible(holder: Holder) -> bool:
    """Whether a render can hold the lock: pid 0, -1 and 1 (init) never do."""
    return isinstance(holder.pid, int) and not isinstance(holder.pid, bool) and holder.pid > 1


def _alive(holder: Holder) -> bool:
    """Whether the holder's process (on this host) still runs: its pid, and the
    same process (not a later one given that pid)."""
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process
    return not holder.process or process_identity(holder.pid) in ("", holder.process)


def is_stale(holder: Holder, now: Optional[float] = None) -> bool:
    if not _possible(holder):
        return True
    old = (now if now is not None else time.time()) - holder.beat > STALE_AFTER_S
    here = holder.host == socket.gethostname()
    if holder.shared:
        return old and not (here and _alive(holder))
    return not _alive(holder) if here else old


def _encode(holder: Holder) -> bytes:
    fields = {k: v for k, v in asdict(holder).items() if k != "beat"}
    return (json.dumps(fields, indent=2, sort_keys=True) + "\n").encode()


def _create(path: Path, holder: Holder) -> bool:
    """Create the lock file if there is none (atomically); True if this call did."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_encode(holder))
    except OSError:
        path.unlink()
        raise
    return True


def _unreadable_for(path: Path) -> float:
    """Seconds since a lock file that cannot be read was written (0: none there)."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _respected(age: float) -> bool:
    """Whether a lock file that cannot be read, ``age`` seconds after its beat, is
    still taken for a live render's (a damaged or a foreign one may be)."""
    return age <= STALE_AFTER_S


def _refuse_unreadable(path: Path, shot: str, why: str) -> None:
    """A lock file that cannot be read may be a live render's (a damaged or a
    foreign one): it is respected until its beat (mtime) is STALE_AFTER_S old."""
    age = _unreadable_for(path)
    if _respected(age):
        raise ShotLockedError(f"{shot}: the lock {path} cannot be read ({why}); it is taken "
                              f"for a live render's until it is {STALE_AFTER_S:.0f} s old (it "
                              f"is {age:.0f} s old): wait, or remove it if no render holds "
                              f"this shot, then re-run")


def take(shot_root: Path, me: Holder, shot: str) -> None:
    """Take the shot's lock for session ``me``, or refresh it if ``me`` holds it;
    raise ShotLockedError naming the holder if another live session does (and
    ``os_error``'s line when the OS refuses: a full volume, a work area that is a
    file, no permission)."""
    path = lock_path(shot_root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _take(path, me, shot)
    except OSError as exc:
        raise os_error(exc, path.parent) from exc


def _take(path: Path, me: Holder, shot: str) -> None:
    for _ in range(50):
        if _create(path, me):
            return
        try:
            seen = _identity(path)
            held = _parse(path.read_text(encoding="utf-8"), path.stat().st_mtime)
        except FileNotFoundError:
            continue  # just removed
        except IsADirectoryError:
            raise ShotLockedError(f"{shot}: the lock {path} is a folder, not a lock file (no "
                                  f"render makes one): remove it, then re-run") from None
        except PermissionError as exc:  # respected as an unreadable one
            held = None
            _refuse_unreadable(path, shot, f"it cannot be opened: {exc.strerror}")
        except Unreadable as exc:  # whole, but wrong: respected as a live lock until its beat is old
            held = None
            _refuse_unreadable(path, shot, str(exc))
        except (ValueError, UnicodeDecodeError):
            held = None
            if _unreadable_for(path) < 5.0:
                time.sleep(0.05)  # being written by another taker
                continue
            _refuse_unreadable(path, shot, "it is not JSON")
        if held is not None and held.session == me.session:
            os.utime(path)  # the beat
            return
        if held is not None and not is_stale(held):
            raise ShotLockedError(f"{shot}: another render holds this shot: {held.describe()}; "
                                  f"wait for it to finish, or stop it, then re-run (the lock "
                                  f"is {path})")
        _remove_stale(path, seen)
    raise ShotLockedError(f"{shot}: cannot take the lock {path}: it keeps changing hands")


#: A breaker left by a taker that died while removing a stale lock is removed after this.
BREAKER_STALE_S = 10.0


def _identity(path: Path) -> tuple[int, int, int]:
    """What tells one lock file from the next: inode, size and beat (mtime, ns)."""
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def _remove_stale(path: Path, seen: tuple[int, int, int]) -> None:
    """Remove the lock found stale (``seen``: its ``_identity``) if it is still
    that file, holding the breaker; another taker holding it: wait a moment."""
    breaker = path.with_name(f".{LOCK_NAME}.breaking")
    try:
        fd = os.open(breaker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        with contextlib.suppress(FileNotFoundError):
            if time.time() - breaker.stat().st_mtime > BREAKER_STALE_S:
                breaker.unlink()  # its taker died while breaking
        time.sleep(0.02)
        return
    os.close(fd)
    try:
        with contextlib.suppress(FileNotFoundError):
            if _identity(path) == seen:  # not beaten, not replaced since it was found stale
                path.unlink()
    finally:
        breaker.unlink()


def release(shot_root: Path, me: Holder) -> None:
    """Remove the lock if session ``me`` holds it."""
    held = read_holder(shot_root)
    if held is not None and held.session == me.session:
        with contextlib.suppress(FileNotFoundError):
            lock_path(shot_root).unlink()


class Hold:
    """A task's hold on its shot's lock; ``check`` raises once another render
    has taken the lock over (the task must stop writing)."""

    def __init__(self) -> None:
        self.lost: Optional[str] = None

    def check(self) -> None:
        if self.lost is not None:
            raise ShotLockedError(self.lost)


@contextlib.contextmanager
def holding(shot_root: Path, me: Holder, shot: str) -> Iterator[Hold]:
    """Take the lock, and touch it every HEARTBEAT_S seconds until the block ends
    (the lock stays: the session releases it when the shot or the render ends).
    If another render took it over meanwhile, the hold says so (``Hold.check``)."""
    take(shot_root, me, shot)
    hold, stop = Hold(), threading.Event()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_S):
            try:
                take(shot_root, me, shot)
            except ShotLockedError as exc:
                hold.lost = f"{shot}: lost the shot's lock to another render: {exc}"
                return
            except (OSError, ShotstyleError):
                pass  # a full or flaky volume: try again at the next beat

    thread = threading.Thread(target=beat, name=f"lock {shot}", daemon=True)
    thread.start()
    try:
        yield hold
    finally:
        stop.set()
        thread.join()


def lock_note(shot_root: Path, now: Optional[float] = None) -> Optional[str]:
    """What ``status`` says of the shot's lock: the live render that holds it, or a
    lock file that cannot be read and how the takers treat it; None when free."""
    found = read_lock(shot_root)
    if found is None:
        return None
    if found.holder is not None:
        return None if is_stale(found.holder, now) else \
            f"rendering now: {found.holder.describe()}"
    if found.why == FOLDER:
        return (f"lock: {found.path} is a folder, not a lock file: renders of this shot are "
                f"refused until it is removed")
    age = (now if now is not None else time.time()) - found.beat
    if _respected(age):
        until = time.strftime("%H:%M:%S", time.localtime(found.beat + STALE_AFTER_S))
        return (f"lock: {found.path} cannot be read ({found.why}); taken for a live "
                f"render's until {until}")
    return (f"lock: {found.path} cannot be read ({found.why}); over {STALE_AFTER_S:.0f} s "
            f"old: the next render takes it over")


def live_holder(shot_root: Path) -> Optional[Holder]:
    """The lock's holder if the lock is not stale, else None."""
    held = read_holder(shot_root)
    return held if held is not None and not is_stale(held) else None


def touch_held(work_root: Path, me: Holder) -> None:
    """Touch every shot lock under ``work_root`` that session ``me`` holds (the
    session's own heartbeat, while it waits between a shot's tasks)."""
    for path in Path(work_root).glob(f"*/{LOCK_NAME}"):
        held = _read(path)
        if held is not None and held.session == me.session:
            with contextlib.suppress(OSError):
                os.utime(path)


@contextlib.contextmanager
def exclusive(shot_root: Path, me: Holder, shot: str) -> Iterator[None]:
    """Hold the lock for one short command (``python -m pipeline rerun``), then release it."""
    take(shot_root, me, shot)
    try:
        yield
    finally:
        release(shot_root, me)
