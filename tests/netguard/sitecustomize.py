"""Loaded by any Python process started with this folder on PYTHONPATH (tests only): refuses and
records every connection, datagram or name lookup that is not to the loopback interface.

It patches Python's ``socket`` module, so it sees what goes through it: urllib, httpx, asyncio's own
event loop. uvloop (which uvicorn picks when installed) resolves names and connects inside libuv,
out of its sight, so uvloop cannot be imported here and servers fall back to asyncio's loop.
"""
import importlib.abc
import ipaddress
import os
import socket
import sys

_LOG = os.environ.get("NETGUARD_LOG", "")
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_sendto = socket.socket.sendto
_getaddrinfo = socket.getaddrinfo
_gethostbyname = socket.gethostbyname
_gethostbyname_ex = socket.gethostbyname_ex


def _local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(what + "\n")


def _check(self, address, what: str = "connect"):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _record(f"{what} {address!r}")
        raise OSError(f"netguard: outbound {what} to {address!r} refused")


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def sendto(self, data, *args):
    _check(self, args[-1], "datagram")
    return _sendto(self, data, *args)


def _lookup_guard(real):
    def guarded(host, *args, **kwargs):
        if not _local(host):
            _record(f"lookup {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, f"netguard: lookup of {host!r} refused")
        return real(host, *args, **kwargs)

    return guarded


class _NoUvloop(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "uvloop" or name.startswith("uvloop."):
            raise ImportError("netguard: uvloop resolves and connects in C, out of this guard's sight")
        return None


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.socket.sendto = sendto
socket.getaddrinfo = _lookup_guard(_getaddrinfo)
socket.gethostbyname = _lookup_guard(_gethostbyname)
socket.gethostbyname_ex = _lookup_guard(_gethostbyname_ex)
sys.meta_path.insert(0, _NoUvloop())
