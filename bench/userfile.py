#!/usr/bin/env python3
"""bench/userfile.py: does a user's place in a 10,000-user AuthUserFile, or
its absence, show in the response time?  (`make timing-userfile`)

Starts a real httpd (event MPM, one child) with mod_auth_sspidigest on a
free loopback port, and three locations that hold the same 10,000 users
(htdigest lines, the same names all of one length):

  file     AuthDigestProvider file: mod_authn_file reads the file line by
           line until it finds the user;
  socache  AuthDigestProvider socache file (mod_authn_socache in front,
           shmcb): a user found once is answered from the cache;
  dbm      AuthDigestProvider dbm (an SDBM file made by httxt2dbm);
  userhash AuthDigestProvider dbm with AuthDigestUserHash On, the client
           sending H(user:realm): the module reads the AuthUserFile to
           find the user behind the hash.

Over one keep-alive connection per location it sends Digest responses
with a wrong password for the first, middle and last user of the file and
for a user who is not in it, interleaved in random order, and times each
request to its complete 401.  Prints, per location and user, the median,
p10 and p90 in microseconds and the median's distance from the first
user's, with a Mann-Whitney z against the first user (|z| >= 4.5: the
difference is real).  Stops the server it started.

  bench/userfile.py [--tries N] [--users N] [--module PATH] [--seed S]
"""
import argparse
import hashlib
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REALM = "userfile"
PASSWORD = "right-password"


def md5_hex(s):
    return hashlib.md5(s.encode()).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_users(d, n):
    """The htdigest file and the text that httxt2dbm turns into SDBM."""
    names = ["u%05d" % i for i in range(n)]
    with open(os.path.join(d, "users"), "w") as f, \
            open(os.path.join(d, "users.txt"), "w") as t:
        for u in names:
            ha1 = md5_hex("%s:%s:%s" % (u, REALM, PASSWORD))
            f.write("%s:%s:%s\n" % (u, REALM, ha1))
            t.write("%s:%s %s\n" % (u, REALM, ha1))
    subprocess.run(["httxt2dbm", "-f", "SDBM", "-i",
                    os.path.join(d, "users.txt"), "-o",
                    os.path.join(d, "users.dbm")], check=True,
                   stdout=subprocess.DEVNULL)
    return names


def write_conf(d, port, module):
    mods = subprocess.run(["apxs", "-q", "LIBEXECDIR"], check=True,
                          capture_output=True, text=True).stdout.strip()
    user = ""
    if os.getuid() == 0:
        user = "User www-data\nGroup www-data\n"
    load = "".join("LoadModule %s_module %s/mod_%s.so\n" % (m, mods, m)
                   for m in ("mpm_event", "authn_core", "authz_core",
                             "authn_file", "authn_dbm", "authn_socache",
                             "socache_shmcb", "authz_user"))
    locs = {
        "file": "AuthDigestProvider file\n",
        "socache": "AuthDigestProvider socache file\n"
                   "    AuthnCacheProvideFor file\n"
                   "    AuthnCacheTimeout 3600\n",
        "dbm": "AuthDigestProvider dbm\n"
               "    AuthDBMType SDBM\n"
               '    AuthDBMUserFile "%s/users.dbm"\n' % d,
        "userhash": "AuthDigestProvider dbm\n"
                    "    AuthDBMType SDBM\n"
                    '    AuthDBMUserFile "%s/users.dbm"\n'
                    "    AuthDigestUserHash On\n" % d,
    }
    conf = """ServerRoot "{d}"
ServerName 127.0.0.1
PidFile "{d}/httpd.pid"
DefaultRuntimeDir "{d}"
ErrorLog "{d}/error.log"
LogLevel warn auth_sspidigest:info
{user}{load}LoadModule auth_sspidigest_module {module}
Listen 127.0.0.1:{port}
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
AuthnCacheSOCache shmcb
DocumentRoot "{d}/htdocs"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
""".format(d=d, user=user, load=load, module=module, port=port)
    for name, provider in locs.items():
        os.makedirs(os.path.join(d, "htdocs", name), exist_ok=True)
        with open(os.path.join(d, "htdocs", name, "f.html"), "w") as f:
            f.write("<p>x</p>\n")
        conf += """<Directory "{d}/htdocs/{name}">
    AuthType Digest
    AuthName "{realm}"
    AuthDigestAlgorithm MD5
    AuthDigestQop auth
    {provider}    AuthUserFile "{d}/users"
    Require valid-user
</Directory>
""".format(d=d, name=name, realm=REALM, provider=provider)
    with open(os.path.join(d, "httpd.conf"), "w") as f:
        f.write(conf)


class Conn:
    """One keep-alive HTTP/1.1 connection; a request returns (status, ns)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def request(self, path, authz=None):
        head = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % path
        if authz:
            head += "Authorization: %s\r\n" % authz
        t0 = time.perf_counter_ns()
        self.s.sendall((head + "\r\n").encode())
        status, headers = self._read()
        return status, headers, time.perf_counter_ns() - t0

    def _read(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.setdefault(k.strip().lower(), v.strip())
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk
        self.buf = self.buf[n:]
        return status, headers


class Client:
    """Digest (MD5, qop=auth) over one connection, one nonce."""

    def __init__(self, port, path, userhash=False):
        self.c = Conn(port)
        self.path = path
        self.userhash = userhash
        status, headers, _ = self.c.request(path)
        chal = headers.get("www-authenticate", "")
        m = re.search(r'nonce="([^"]+)"', chal)
        if status != 401 or not m:
            raise RuntimeError("no challenge at %s (status %d)" % (path, status))
        self.nonce = m.group(1)
        o = re.search(r'opaque="([^"]*)"', chal)
        self.opaque = ', opaque="%s"' % o.group(1) if o else ""
        self.nc = 0

    def try_user(self, user, password):
        self.nc += 1
        nc = "%08x" % self.nc
        cnonce = "%016x" % random.getrandbits(64)
        ha1 = md5_hex("%s:%s:%s" % (user, REALM, password))
        ha2 = md5_hex("GET:%s" % self.path)
        resp = md5_hex("%s:%s:%s:%s:auth:%s" % (ha1, self.nonce, nc, cnonce, ha2))
        name, extra = user, ""
        if self.userhash:
            name, extra = md5_hex("%s:%s" % (user, REALM)), ", userhash=true"
        authz = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                 'response="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s"%s%s'
                 % (name, REALM, self.nonce, self.path, resp, nc, cnonce,
                    self.opaque, extra))
        status, _, ns = self.c.request(self.path, authz)
        return status, ns


def check_reasons(log):
    """Every refusal must be the store's: a wrong password or an unknown
    user, never an early one (nonce, opaque), or nothing was measured."""
    seen = {}
    for line in open(log, errors="replace"):
        m = re.search(r'Digest refused \(401\): user "[^"]*": ([^(]*) \(', line)
        if m:
            seen[m.group(1).strip()] = seen.get(m.group(1).strip(), 0) + 1
    print("\nrefusals logged: %s" % ", ".join(
        "%s %d" % kv for kv in sorted(seen.items())))
    if set(seen) - {"wrong password", "unknown user"}:
        print("some refusals came before the user lookup: figures invalid")
        return 1
    return 0


def mann_whitney_z(a, b):
    """z of the rank-sum of a against b (ties at their mean rank), positive
    when a is slower; |z| >= 4.5 is taken as a difference."""
    both = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ra, i = 0.0, 0
    while i < len(both):
        j = i
        while j < len(both) and both[j][0] == both[i][0]:
            j += 1
        rank = (i + 1 + j) / 2.0
        ra += rank * sum(1 for k in range(i, j) if both[k][1] == 0)
        i = j
    na, nb = len(a), len(b)
    u = ra - na * (na + 1) / 2.0
    return (u - na * nb / 2.0) / ((na * nb * (na + nb + 1) / 12.0) ** 0.5)


def quantile(v, q):
    s = sorted(v)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tries", type=int, default=400)
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--module", default=".libs/mod_auth_sspidigest.so")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not 10 <= a.tries <= 100000 or not 3 <= a.users <= 1000000:
        ap.error("--tries 10..100000, --users 3..1000000")
    random.seed(a.seed)
    module = os.path.abspath(a.module)
    httpd = shutil.which("apache2") or shutil.which("httpd")
    d = tempfile.mkdtemp(prefix="sspidigest-userfile.")
    os.chmod(d, 0o755)
    proc = None
    try:
        names = write_users(d, a.users)
        who = [("first", names[0]), ("middle", names[len(names) // 2]),
               ("last", names[-1]), ("absent", "u%05d" % (a.users * 10 - 1))]
        port = free_port()
        write_conf(d, port, module)
        for root, dirs, files in os.walk(d):
            for x in dirs + files:
                os.chmod(os.path.join(root, x), 0o755)
        proc = subprocess.Popen([httpd, "-f", os.path.join(d, "httpd.conf"),
                                 "-DFOREGROUND"], stderr=subprocess.PIPE)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        print("%d users in the AuthUserFile (%d bytes); %d tries per user "
              "and location, interleaved; every try a wrong password "
              "(401)\n" % (a.users, os.path.getsize(os.path.join(d, "users")),
                           a.tries))
        print("%-8s %-7s %10s %10s %10s %12s %8s" % (
            "location", "user", "median us", "p10 us", "p90 us",
            "vs first us", "z"))
        for loc in ("file", "socache", "dbm", "userhash"):
            cl = Client(port, "/%s/f.html" % loc, loc == "userhash")
            for _, u in who:  # warm: the cache, the page cache, the child
                cl.try_user(u, "wrong")
            t = {k: [] for k, _ in who}
            for _ in range(a.tries):
                order = list(who)
                random.shuffle(order)
                for k, u in order:
                    status, ns = cl.try_user(u, "wrong")
                    if status != 401:
                        raise RuntimeError("%s %s: status %d" % (loc, u, status))
                    t[k].append(ns / 1000.0)
            base = statistics.median(t["first"])
            for k, _ in who:
                med = statistics.median(t[k])
                z = mann_whitney_z(t[k], t["first"]) if k != "first" else 0
                print("%-8s %-7s %10.1f %10.1f %10.1f %+12.1f %+8.1f" % (
                    loc, k, med, quantile(t[k], 0.1), quantile(t[k], 0.9),
                    med - base, z))
            cl.c.s.close()
        return check_reasons(os.path.join(d, "error.log"))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        err = os.path.join(d, "error.log")
        if os.path.exists(err):
            bad = [l for l in open(err, errors="replace")
                   if re.search(r"emerg|crit|:error\]", l) and
                   "MinSpareThreads" not in l]
            if bad:
                sys.stderr.write("httpd's error log:\n" + "".join(bad[-5:]))
        if not os.environ.get("USERFILE_KEEP"):
            shutil.rmtree(d, ignore_errors=True)
        else:
            print("kept", d)


if __name__ == "__main__":
    sys.exit(main())
