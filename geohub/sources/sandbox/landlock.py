"""Landlock (Linux ≥ 5.13): the reader process gives up every file and TCP connection it does not need.

Once `restrict` has run, the kernel lets the process read only the folders named (its own
libraries and the dataset's folder), write only its work folder, and (Landlock ABI ≥ 4) neither
connect nor bind a TCP socket. No driver option, path in a file or bug in a parser can reach
`/etc`, GeoHub's data folder (the accounts database) or another upload. Where the kernel has no
Landlock, `restrict` says so and the other fences (one driver, no network namespace, GDAL's
options) still stand.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable
from pathlib import Path

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 7, 1 << 8
ABI1_ALL = (1 << 13) - 1  # every right of ABI 1: files, folders, and making devices, sockets, links
REFER, TRUNCATE = 1 << 13, 1 << 14  # ABI 2, ABI 3
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4

READ = EXECUTE | READ_FILE | READ_DIR
READ_WRITE = READ | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG
_FILE_RIGHTS = (
    EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE
)  # the rights a rule on a file (not a folder) may hold


class _Ruleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64)]


class _NetPort(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when it has none (or it is disabled)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(
        SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)
    )
    return max(0, int(version))


def restrict(
    *, readable: Iterable[Path], writable: Iterable[Path], connectable_ports: Iterable[int] = ()
) -> str:
    """Allow only reading `readable`, reading and writing `writable`, and TCP connections only to
    `connectable_ports` (on any address: the proxy listens on loopback); for good.

    Returns what was enforced ("landlock v7") or why nothing was ("no landlock").
    """
    abi = landlock_abi()
    if abi < 1:
        return "no landlock"
    handled_fs = ABI1_ALL | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)
    handled_net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    ruleset = _Ruleset(handled_fs, handled_net)
    size = ctypes.sizeof(_Ruleset) if abi >= 4 else ctypes.sizeof(ctypes.c_uint64)
    ruleset_fd = libc.syscall(
        SYS_CREATE_RULESET, ctypes.byref(ruleset), ctypes.c_size_t(size), ctypes.c_uint32(0)
    )
    if ruleset_fd < 0:
        return f"no landlock ({os.strerror(ctypes.get_errno())})"
    try:
        for path in readable:
            _allow(libc, ruleset_fd, path, READ & handled_fs)
        for path in writable:
            _allow(libc, ruleset_fd, path, (READ_WRITE | (TRUNCATE if abi >= 3 else 0)) & handled_fs)
        if handled_net:
            for port in connectable_ports:
                _allow_port(libc, ruleset_fd, port)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset_fd), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset_fd)
    return f"landlock v{abi}"


def _allow(libc: ctypes.CDLL, ruleset_fd: int, path: Path, access: int) -> None:
    """One rule: `access` beneath `path` (a folder), or the file rights of it (a file)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not path.is_dir():
            access &= _FILE_RIGHTS
        rule = _PathBeneath(access, fd)
        if (
            libc.syscall(
                SYS_ADD_RULE,
                ctypes.c_int(ruleset_fd),
                ctypes.c_int(RULE_PATH_BENEATH),
                ctypes.byref(rule),
                ctypes.c_uint32(0),
            )
            != 0
        ):
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


def _allow_port(libc: ctypes.CDLL, ruleset_fd: int, port: int) -> None:
    rule = _NetPort(NET_CONNECT_TCP, port)
    if libc.syscall(
        SYS_ADD_RULE,
        ctypes.c_int(ruleset_fd),
        ctypes.c_int(RULE_NET_PORT),
        ctypes.byref(rule),
        ctypes.c_uint32(0),
    ):
        raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for port {port}")
