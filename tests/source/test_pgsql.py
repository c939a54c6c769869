#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 Usher authors
"""Run the PostgreSQL source tests against a real, throw-away server.

Starts PostgreSQL from the distribution's binaries in a temporary directory, listening only on
a Unix socket in that directory, as an unprivileged user (initdb refuses root). Then runs the
Criterion driver given as argv[1] with USHD_PG_CONNINFO pointing at it. The server is stopped
by the PID this script started, and the directory removed, whatever happens.
Exit 77 (meson: skipped) when no PostgreSQL server binaries are installed.
"""

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def find_bindir():
    for cand in [os.environ.get('USHD_PG_BINDIR', '')] + sorted(
            glob.glob('/usr/lib/postgresql/*/bin'), reverse=True):
        if cand and os.access(os.path.join(cand, 'initdb'), os.X_OK) and \
                os.access(os.path.join(cand, 'postgres'), os.X_OK):
            return cand
    initdb = shutil.which('initdb')
    if initdb and shutil.which('postgres'):
        return os.path.dirname(initdb)
    return None


def as_user(user):
    """Command prefix that drops root to user; none when not root."""
    if os.geteuid() != 0:
        return []
    # setpriv execs the command itself, so the PID we get is the postmaster's.
    return ['setpriv', '--reuid=' + user.pw_name, '--regid=' + str(user.pw_gid),
            '--init-groups', '--']


def main():
    if len(sys.argv) != 2:
        print('usage: test_pgsql.py DRIVER', file=sys.stderr)
        return 2
    driver = os.path.abspath(sys.argv[1])
    bindir = find_bindir()
    if bindir is None:
        print('SKIP: no PostgreSQL server binaries (initdb, postgres): '
              'apt-get install postgresql')
        return SKIP
    user = None
    if os.geteuid() == 0:
        for name in ('postgres', 'nobody'):
            try:
                user = pwd.getpwnam(name)
                break
            except KeyError:
                pass
        if user is None or shutil.which('setpriv') is None:
            print('SKIP: running as root with no postgres/nobody user or no setpriv')
            return SKIP

    tmp = tempfile.mkdtemp(prefix='ushd_pg_')
    server = None
    try:
        if user is not None:
            os.chown(tmp, user.pw_uid, user.pw_gid)
        # the socket directory must be reachable by the client (root or the same user)
        os.chmod(tmp, 0o755)
        data = os.path.join(tmp, 'data')
        log = os.path.join(tmp, 'server.log')
        env = dict(os.environ, LC_ALL='C', LANG='C')
        init = subprocess.run(
            as_user(user) + [os.path.join(bindir, 'initdb'), '-D', data, '-U', 'postgres',
                             '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
            env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=120)
        if init.returncode != 0:
            print(init.stdout)
            print('FAIL: initdb exited %d' % init.returncode)
            return 1
        logf = open(log, 'w')
        if user is not None:
            os.chown(log, user.pw_uid, user.pw_gid)
        server = subprocess.Popen(
            as_user(user) + [os.path.join(bindir, 'postgres'), '-D', data, '-k', tmp,
                             '-c', "listen_addresses=", '-c', 'fsync=off',
                             '-c', 'max_connections=20', '-c', 'shared_buffers=16MB'],
            env=env, cwd=tmp, stdout=logf, stderr=subprocess.STDOUT)
        logf.close()
        conninfo = 'host=%s dbname=postgres user=postgres connect_timeout=5' % tmp
        ready = os.path.join(bindir, 'pg_isready')
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                print(open(log).read())
                print('FAIL: postgres exited %d at start' % server.returncode)
                return 1
            if subprocess.run([ready, '-q', '-h', tmp, '-U', 'postgres', '-d', 'postgres'],
                              timeout=10).returncode == 0:
                break
            if time.monotonic() > deadline:
                print(open(log).read())
                print('FAIL: postgres not ready after 60 s')
                return 1
            time.sleep(0.2)
        print('postgres %d ready on %s' % (server.pid, tmp), flush=True)
        run = subprocess.run([driver, '--jobs=1', '--verbose'],
                             env=dict(os.environ, USHD_PG_CONNINFO=conninfo), timeout=120)
        return run.returncode
    finally:
        if server is not None and server.poll() is None:
            # SIGINT is PostgreSQL's fast shutdown; the postmaster takes its children along.
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
