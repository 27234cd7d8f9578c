"""Which render this process works for, to hold its shots' locks
(``pipeline.workarea.lock``).

A render with ``--local-scheduler`` is this command's process tree: the main
process (whose pid is taken when Luigi imports this package, before it forks
task processes for ``--workers N``) and its children. A render through a central
``luigid`` is every worker of that scheduler, on any host, so they share the
lock: the scheduler is named by its address, with a loopback name replaced by
this host's, so that ``localhost:8082`` on the scheduler's host and
``farm01:8082`` elsewhere are one session.
"""
from __future__ import annotations

import atexit
import ipaddress
import os
import shlex
import socket
import sys
import urllib.parse
from functools import lru_cache
from pathlib import Path

import luigi
import luigi.interface

from pipeline.config import load_pipeline_config
from pipeline.errors import ShotstyleError
from pipeline.openjd import SESSION_VARIABLE
from pipeline.workarea.lock import LOCK_NAME, Holder, local_session, release, shared_session

_MAIN_PID = os.getpid()
_COMMAND = shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def _host_name(host: str) -> str:
    try:
        address = ipaddress.ip_address(socket.gethostbyname(host))
    except (OSError, ValueError):
        return host
    return socket.getfqdn() if address.is_loopback else socket.getfqdn(host)


@lru_cache(maxsize=1)
def render_session() -> Holder:
    """This render's session. First asked for while Luigi schedules, in the main
    process, where the command line is parsed; task processes inherit it. A
    farm job's tasks name theirs in ``$SHOTSTYLE_RENDER_SESSION``
    (``pipeline/openjd.py``): they share it."""
    named = os.environ.get(SESSION_VARIABLE, "").strip()
    if named:
        return shared_session(named, _COMMAND, _MAIN_PID)
    core = luigi.interface.core()
    if core.local_scheduler:
        return local_session(_COMMAND, _MAIN_PID)
    if core.scheduler_url:
        url = urllib.parse.urlsplit(core.scheduler_url)
        host, port = url.hostname or "localhost", url.port or 8082
    else:
        host, port = core.scheduler_host, core.scheduler_port
    return shared_session(f"luigid {_host_name(host)}:{port}", _COMMAND, _MAIN_PID)


def _release_at_exit() -> None:
    """At the end of the render's main process: release the locks its session
    holds (task processes forked for ``--workers N`` end without running this).
    For a ``luigid`` session this may release a lock that a worker on another
    host still works under; that worker takes it again at its next touch
    (within HEARTBEAT_S), and only a render of the same shot started in between
    could slip in."""
    if os.getpid() != _MAIN_PID or render_session.cache_info().currsize == 0:
        return  # no task of this process asked for the session: it took no lock
    me = render_session()
    try:
        work_root = load_pipeline_config().work_root
    except ShotstyleError:
        return
    for lock in Path(work_root).glob(f"*/{LOCK_NAME}"):
        release(lock.parent, me)


atexit.register(_release_at_exit)
