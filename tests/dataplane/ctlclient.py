#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
# A small client of the control channel (include/usher_ctl.h), for tests and scripts.
"""Client of the control channel framing (include/usher_ctl.h), independent of the C library.

    with CtlClient("/run/usher/usher.sock") as c:
        c.call("status")                          # -> the reply object (a dict)
        c.call("set", key="auth.nonce_lifetime", value="60")
        c.send_creds([("alice", "example.com", "MD5", ha1_bytes)], mode="full")

call() returns the reply whatever its "ok" says; check() raises CtlError unless it is ok.
"""

import json
import socket
import struct

MAGIC = 0x55534843  # "USHC"
VERSION = 1
HDR = struct.Struct("!IBBHII")  # magic, version, type, flags, seq, len
PAYLOAD_MAX = 1 << 20
REQUEST, REPLY, CREDS, PUNT, VERDICT = 1, 2, 3, 4, 5
CRED_SET, CRED_DEL = 1, 2
# enum ush_hash (include/usher_algo.h): the HA1 slot a record fills
HASHES = {"MD5": 0, "SHA-256": 1, "SHA-512-256": 2}
HASH_LEN = {0: 16, 1: 32, 2: 32}
# enum ush_ctl_code
OK, EINVAL, ENOTFOUND, ESOURCE, ENODE, EINTERNAL = range(6)


class CtlError(Exception):
    """A failed reply ("ok": false) where one was not expected."""

    def __init__(self, reply):
        super().__init__("%s (code %s)" % (reply.get("error"), reply.get("code")))
        self.reply = reply


def frame(ftype, seq, payload, magic=MAGIC, version=VERSION, flags=0, length=None):
    """One frame's bytes; the keyword arguments make broken frames for tests."""
    return HDR.pack(magic, version, ftype, flags, seq,
                    len(payload) if length is None else length) + payload


def cred_record(user, realm, hash_name=None, ha1=b"", op=CRED_SET):
    """One credential record: SET with hash_name ("MD5", ...) and binary ha1, or DEL."""
    u, r = user.encode(), realm.encode()
    h = HASHES[hash_name] if op == CRED_SET else 0
    return bytes([op, h, len(u), len(r), len(ha1)]) + u + r + ha1


class CtlClient:
    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.seq = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_frame(self, ftype, payload, seq=None):
        if seq is None:
            self.seq += 1
            seq = self.seq
        self.sock.sendall(frame(ftype, seq, payload))
        return seq

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by the server")
            buf += chunk
        return buf

    def recv_frame(self):
        """(type, seq, payload) of the next frame; checks the header as the protocol says."""
        magic, version, ftype, flags, seq, length = HDR.unpack(self._read(HDR.size))
        if magic != MAGIC or version != VERSION or flags != 0 or length > PAYLOAD_MAX:
            raise ConnectionError("bad frame header from the server")
        return ftype, seq, self._read(length)

    def call(self, cmd, **args):
        """Send a request, return the reply (a dict), whatever its "ok"."""
        req = dict(args)
        req["cmd"] = cmd
        seq = self.send_frame(REQUEST, json.dumps(req).encode())
        ftype, rseq, payload = self.recv_frame()
        if ftype != REPLY or rseq != seq:
            raise ConnectionError("expected the reply to %d, got type %d seq %d" %
                                  (seq, ftype, rseq))
        return json.loads(payload)

    def check(self, cmd, **args):
        """call(), raising CtlError unless the reply is ok."""
        r = self.call(cmd, **args)
        if r.get("ok") is not True:
            raise CtlError(r)
        return r

    def send_records(self, records, max_payload=PAYLOAD_MAX):
        """CREDS frames holding the given encoded records, packed up to max_payload bytes."""
        buf = []
        size = 0
        for rec in records:
            if size + len(rec) > max_payload:
                self.send_frame(CREDS, b"".join(buf))
                buf, size = [], 0
            buf.append(rec)
            size += len(rec)
        if buf:
            self.send_frame(CREDS, b"".join(buf))

    def send_creds(self, creds, mode="full", hint=None, max_payload=PAYLOAD_MAX):
        """A whole transfer: creds.begin, CREDS frames, creds.commit; returns commit's reply.

        creds: (user, realm, hash_name, ha1 bytes) for SET, (user, realm) for DEL, or bytes
        already encoded (cred_record()).
        """
        recs = []
        for c in creds:
            if isinstance(c, (bytes, bytearray)):
                recs.append(bytes(c))
            elif len(c) == 2:
                recs.append(cred_record(c[0], c[1], op=CRED_DEL))
            else:
                recs.append(cred_record(*c))
        r = self.call("creds.begin", mode=mode, records=len(recs) if hint is None else hint)
        if r.get("ok") is not True:
            return r
        self.send_records(recs, max_payload)
        return self.call("creds.commit", records=len(recs))
