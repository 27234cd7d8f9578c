"""Which render this process works for, to hold its shots' locks
(``pipeline.workarea.lock``).

A render with ``--local-scheduler`` is this command's process tree: the main
process (whose pid is taken when Luigi imports this package, before it forks
task processes for ``--workers N``) and its children. A render through a central
``luigid`` is every worker of that scheduler, on any host, so they share the
lock: the scheduler is named by its host's short name (a loopback address: this
host's) and port, so that ``localhost:8082`` on the scheduler's host and
``farm01.studio.lan:8082`` elsewhere are one session; where hosts reach it under
different names or addresses, give every worker the same
``$SHOTSTYLE_RENDER_SESSION`` (a farm job's tasks get theirs from the job).

While the render runs, its main process touches the locks it holds every
HEARTBEAT_S seconds (also between a shot's tasks, when no task of it runs). A
shot's lock is released when its report is written (the shot is done); a
local render also releases what it still holds when it ends. A shared session
does not release at exit, because other hosts may still work for it: its locks
go stale STALE_AFTER_S after the last touch.
"""
from __future__ import annotations

import atexit
import ipaddress
import os
import shlex
import socket
import sys
import threading
import urllib.parse
from functools import lru_cache
from pathlib import Path

import luigi
import luigi.interface

from pipeline.config import load_pipeline_config
from pipeline.errors import ShotstyleError
from pipeline.openjd.environment import SESSION_VARIABLE
from pipeline.workarea.lock import (HEARTBEAT_S, LOCK_NAME, Holder, local_session, release,
                                    shared_session, touch_held)

_MAIN_PID = os.getpid()
_COMMAND = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def _host_name(host: str) -> str:
    """``host`` as every worker names it: its short name, lower case; an address
    as it is, but a loopback one (or name) is this host's short name."""
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError):
        address = None
    if address is not None and address.is_loopback:
        host = socket.gethostname()
    else:
        try:
            ipaddress.ip_address(host)
            return host
        except ValueError:
            pass
    return host.split(".")[0].lower()


@lru_cache(maxsize=1)
def render_session() -> Holder:
    """This render's session. First asked for while Luigi schedules, in the main
    process, where the command line is parsed; task processes inherit it."""
    named = os.environ.get(SESSION_VARIABLE, "").strip()
    if named:
        me = shared_session(named, _COMMAND, _MAIN_PID)
    elif luigi.interface.core().local_scheduler:
        me = local_session(_COMMAND, _MAIN_PID)
    else:
        core = luigi.interface.core()
        if core.scheduler_url:
            url = urllib.parse.urlsplit(core.scheduler_url)
            host, port = url.hostname or "localhost", url.port or 8082
        else:
            host, port = core.scheduler_host, core.scheduler_port
        me = shared_session(f"luigid {_host_name(host)}:{port}", _COMMAND, _MAIN_PID)
    if os.getpid() == _MAIN_PID:
        threading.Thread(target=_heartbeat, args=(me,), name="shot locks", daemon=True).start()
    return me


def _work_root() -> Path | None:
    try:
        return Path(load_pipeline_config().work_root)
    except ShotstyleError:
        return None


def _heartbeat(me: Holder) -> None:
    stop = threading.Event()
    while not stop.wait(HEARTBEAT_S):
        root = _work_root()
        if root is not None:
            touch_held(root, me)


def _release_at_exit() -> None:
    """At the end of a local render's main process: release the locks it still
    holds (task processes forked for ``--workers N`` end without running this)."""
    if os.getpid() != _MAIN_PID or render_session.cache_info().currsize == 0:
        return  # no task of this process asked for the session: it took no lock
    me, root = render_session(), _work_root()
    if me.shared or root is None:
        return
    for lock in root.glob(f"*/{LOCK_NAME}"):
        release(lock.parent, me)


atexit.register(_release_at_exit)
