"""Loaded by any Python process started with this folder on PYTHONPATH (tests only): refuses and
records every connection or name lookup that is not to the loopback interface."""
import ipaddress
import os
import socket

_LOG = os.environ.get("NETGUARD_LOG", "")
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _local(host) -> bool:
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


def _check(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _record(f"connect {address!r}")
        raise OSError(f"netguard: outbound connection to {address!r} refused")


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _local(host if isinstance(host, str) else (host.decode() if host else host)):
        _record(f"lookup {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, f"netguard: lookup of {host!r} refused")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.getaddrinfo = getaddrinfo
