#!/usr/bin/env python3
"""Interop of the engine's SASL mode (DIGEST-MD5) with real peers.

Each case pairs build/sspidigest-sasl-sample with a peer on two pipes, in
the line protocol of Cyrus SASL's sample programs, and checks both exit
statuses, the layer our side reports, and what the peer says.  Peers:

  cyrus  Debian's Cyrus SASL 2.1.28 sample programs (sasl2-bin,
         libsasl2-modules), run under stdbuf -oL since they do not flush;
         the sample client reads its password from a terminal, so it gets
         a pseudo-terminal of its own.
  java   OpenJDK's javax.security.sasl DIGEST-MD5 (t/sasl/SaslPeer.java,
         compiled here with javac).
  gsasl  GNU SASL's libgsasl (t/sasl/gsasl_peer.c, compiled here).

Every peer is required: a missing one fails its cases (scripts/install-deps
test installs them), nothing is skipped.  Usage:

  interop.py --sample BIN --passwd BIN --build DIR --results FILE
             [--only SUBSTRING] [--verbose]

Prints one "ok"/"not ok" line per case, the matrix, and writes
"passed=N failed=M" to FILE.
"""
import argparse
import base64
import fcntl
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import termios
import threading
import time

REALM = "EXAMPLE.ORG"
HOST = "localhost"
SERVICE = "rcmd"
USER = "alice"
PASSWORD = "s3cret, or not?"
TIMEOUT = 30

# layer name -> (Cyrus SSF, Java qop, Java cipher, GNU SASL qop)
LAYERS = {
    "auth": (0, "auth", "-", "qop-auth"),
    "auth-int": (1, "auth-int", "-", "qop-int"),
    "rc4-40": (40, "auth-conf", "rc4-40", None),
    "rc4-56": (56, "auth-conf", "rc4-56", None),
    "rc4": (128, "auth-conf", "rc4", None),
    "des": (55, "auth-conf", "des", None),
    "3des": (112, "auth-conf", "3des", None),
}


# ---- running two programs against each other ------------------------------

class Proc:
    """A program with stdin/stdout pipes, and a pseudo-terminal as its
    controlling terminal when it must be typed a password."""

    def __init__(self, name, cmd, env, tty_password=None):
        self.name = name
        self.master = None
        r_in, self.w_in = os.pipe()
        self.r_out, w_out = os.pipe()
        kwargs = dict(stdin=r_in, stdout=w_out, stderr=subprocess.PIPE,
                      env=env)
        if tty_password is not None:
            self.master, slave = pty.openpty()

            def make_tty():
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            kwargs.update(preexec_fn=make_tty, pass_fds=(slave,))
            self.p = subprocess.Popen(cmd, **kwargs)
            os.close(slave)
        else:
            self.p = subprocess.Popen(cmd, start_new_session=True, **kwargs)
        os.close(r_in)
        os.close(w_out)
        self.password = tty_password
        self.stderr = b""

    def kill(self):
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def relay(src, dst, prefix, log, name, mangle):
    """Copies src's token lines (those starting with prefix) to dst, after
    mangle; logs every line."""
    buf = b""
    n = 0
    with os.fdopen(src, "rb", 0) as f:
        while True:
            chunk = f.read(65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                log.append((name, line))
                if line.startswith(prefix) or line == prefix.strip():
                    if mangle is not None:
                        line = mangle(n, line)
                    n += 1
                    try:
                        os.write(dst, line + b"\n")
                    except OSError:
                        return
    try:
        os.close(dst)
    except OSError:
        pass


def type_password(proc, log):
    """Answers the password prompt on proc's terminal (getpass flushes
    what was typed before the prompt, so wait for it)."""
    seen = b""
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        r, _, _ = select.select([proc.master], [], [], 0.2)
        if not r:
            if proc.p.poll() is not None:
                return
            continue
        try:
            data = os.read(proc.master, 1024)
        except OSError:
            return
        if not data:
            return
        seen += data
        if b"assword" in seen:
            os.write(proc.master, proc.password.encode() + b"\n")
            log.append((proc.name, b"<password typed on its terminal>"))
            seen = b""


def pair(server_cmd, client_cmd, env, client_tty=None, mangle_s=None,
         mangle_c=None):
    """Runs server and client against each other; returns their exit
    statuses, the log of lines, and their standard errors."""
    log = []
    s = Proc("S", server_cmd, env)
    c = Proc("C", client_cmd, env, client_tty)
    threads = [
        threading.Thread(target=relay,
                         args=(s.r_out, c.w_in, b"S: ", log, "S", mangle_s)),
        threading.Thread(target=relay,
                         args=(c.r_out, s.w_in, b"C: ", log, "C", mangle_c)),
    ]
    if c.master is not None:
        threads.append(threading.Thread(target=type_password, args=(c, log),
                                        daemon=True))
    for t in threads:
        t.start()
    deadline = time.time() + TIMEOUT
    for proc in (s, c):
        try:
            proc.p.wait(max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            log.append((proc.name, b"<killed: timeout>"))
            s.kill()
            c.kill()
            proc.p.wait()
    for proc in (s, c):
        proc.stderr = proc.p.stderr.read()
        proc.p.stderr.close()
        if proc.master is not None:
            os.close(proc.master)
    for t in threads[:2]:
        t.join(5)
    return (s.p.returncode, c.p.returncode), log, (s.stderr, c.stderr)


# ---- set-up -----------------------------------------------------------------

def sh(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True, check=True)


def stale(target, sources):
    return not os.path.exists(target) or any(
        os.path.getmtime(s) > os.path.getmtime(target) for s in sources)


def set_up(args):
    """The files every case uses; returns (env, problems)."""
    problems = []
    here = os.path.dirname(os.path.abspath(__file__))
    b = args.build
    os.makedirs(b, exist_ok=True)
    for tool in ("sasl-sample-server", "sasl-sample-client", "saslpasswd2",
                 "stdbuf", "java", "javac", "gcc"):
        if shutil.which(tool) is None:
            problems.append("missing " + tool)
    if not os.path.exists("/usr/include/gsasl.h"):
        problems.append("missing /usr/include/gsasl.h (libgsasl-dev)")
    # our server's users, in the module's file format, by the module's tool
    users = os.path.join(b, "users")
    if os.path.exists(users):
        os.unlink(users)
    sh([args.passwd, "-c", "-i", "-a", "MD5", users, REALM, USER],
       stdin=(PASSWORD + "\n").encode())
    with open(os.path.join(b, "password"), "w") as f:
        f.write(PASSWORD + "\n")
    with open(os.path.join(b, "wrong-password"), "w") as f:
        f.write("not " + PASSWORD + "\n")
    env = dict(os.environ, SASL_CONF_PATH=b, LC_ALL="C")
    if shutil.which("saslpasswd2"):
        db = os.path.join(b, "sasldb2")
        if os.path.exists(db):
            os.unlink(db)
        sh(["saslpasswd2", "-p", "-c", "-f", db, "-u", REALM, USER],
           stdin=PASSWORD.encode())
        with open(os.path.join(b, "sample.conf"), "w") as f:
            f.write("sasldb_path: %s\nmech_list: DIGEST-MD5\n"
                    "pwcheck_method: auxprop\nauxprop_plugin: sasldb\n" % db)
    java_src = os.path.join(here, "SaslPeer.java")
    if shutil.which("javac") and stale(os.path.join(b, "SaslPeer.class"),
                                       [java_src]):
        sh(["javac", "-d", b, java_src])
    gsasl_src = os.path.join(here, "gsasl_peer.c")
    gsasl_bin = os.path.join(b, "gsasl_peer")
    if not problems and stale(gsasl_bin, [gsasl_src]):
        sh(["gcc", "-Wall", "-Wextra", "-Werror", "-o", gsasl_bin, gsasl_src,
            "-lgsasl"])
    return env, problems


# ---- the cases ----------------------------------------------------------------

def ours_server(args, extra=()):
    return [args.sample, "server", "-n", HOST, "-r", REALM, "-s", SERVICE,
            "-f", os.path.join(args.build, "users"),
            "-b", "min=0,max=1000"] + list(extra)


def ours_client(args, ssf, extra=(), password="password"):
    return [args.sample, "client", "-n", HOST, "-s", SERVICE, "-a", USER,
            "-P", os.path.join(args.build, password),
            "-b", "min=%d,max=%d" % (ssf, ssf)] + list(extra)


def cyrus_server(ssf_max=1000):
    return ["stdbuf", "-oL", "sasl-sample-server", "-m", "DIGEST-MD5",
            "-s", SERVICE, "-d", HOST, "-u", REALM,
            "-b", "min=0,max=%d" % ssf_max]


def cyrus_client(ssf):
    return ["stdbuf", "-oL", "sasl-sample-client", "-m", "DIGEST-MD5",
            "-s", SERVICE, "-n", HOST, "-a", USER,
            "-b", "min=%d,max=%d" % (ssf, ssf)]


def java(args, *a):
    return ["java", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
            args.build, "SaslPeer"] + list(a)


def gsasl(args, *a):
    return [os.path.join(args.build, "gsasl_peer")] + list(a)


def our_layer(err):
    """The SSF our side reports, or None."""
    for line in err.decode(errors="replace").splitlines():
        if ": qop " in line and ", SSF " in line:
            return int(line.rsplit(" ", 1)[1])
    return None


class Case:
    def __init__(self, peer, direction, layer, run, expect, note=""):
        self.peer, self.direction, self.layer = peer, direction, layer
        self.run, self.expect, self.note = run, expect, note

    @property
    def name(self):
        return "%s %s %s%s" % (self.peer, self.direction, self.layer,
                               " (" + self.note + ")" if self.note else "")


def expect_success(ssf):
    """Both exit 0, and our side settled on the layer of SSF ssf."""
    def check(rc, errs, ours_is_server):
        ours = errs[0] if ours_is_server else errs[1]
        if rc != (0, 0):
            return "exit statuses %s" % (rc,)
        if our_layer(ours) != ssf:
            return "our side reports SSF %s, expected %d" % (our_layer(ours),
                                                              ssf)
        return None
    return check


def expect_failure(whose_text, text, ours_text=None):
    """Both fail (nonzero), with text in the stderr of whose_text ('S' or
    'C'), and ours_text in ours when given."""
    def check(rc, errs, ours_is_server):
        err = errs[0] if whose_text == "S" else errs[1]
        ours = errs[0] if ours_is_server else errs[1]
        if rc[0] == 0 and rc[1] == 0:
            return "both succeeded"
        if text.encode() not in err:
            return "no %r from %s" % (text, whose_text)
        if ours_text is not None and ours_text.encode() not in ours:
            return "no %r from our side" % ours_text
        return None
    return check


def matrix_cases(args):
    cases = []
    for layer, (ssf, jqop, jcipher, gqop) in LAYERS.items():
        # Debian 12's Cyrus plugin keys DES without odd parity, which
        # OpenSSL 3's DES_key_sched refuses: its 3des never starts
        if layer == "3des":
            cases.append(Case(
                "cyrus", "ours-server", layer,
                lambda a, s=ssf: pair(ours_server(a), cyrus_client(s), a.env,
                                      client_tty=PASSWORD),
                expect_failure("C", "failed to init cipher '3des'"),
                "peer fails: its DES keys lack parity"))
            cases.append(Case(
                "cyrus", "ours-client", layer,
                lambda a, s=ssf: pair(cyrus_server(), ours_client(a, s),
                                      a.env),
                expect_failure("S", "couldn't init cipher '3des'",
                               "no rspauth"),
                "peer checked our response, then failed its cipher"))
        else:
            cases.append(Case(
                "cyrus", "ours-server", layer,
                lambda a, s=ssf: pair(ours_server(a), cyrus_client(s), a.env,
                                      client_tty=PASSWORD),
                expect_success(ssf)))
            cases.append(Case(
                "cyrus", "ours-client", layer,
                lambda a, s=ssf: pair(cyrus_server(), ours_client(a, s),
                                      a.env),
                expect_success(ssf)))
        cases.append(Case(
            "java", "ours-server", layer,
            lambda a, q=jqop, c=jcipher: pair(
                ours_server(a),
                java(a, "client", SERVICE, HOST, USER, PASSWORD, q, c),
                a.env),
            expect_success(ssf)))
        cases.append(Case(
            "java", "ours-client", layer,
            lambda a, s=ssf: pair(
                java(a, "server", SERVICE, HOST, REALM, USER, PASSWORD,
                     "auth-conf,auth-int,auth"),
                ours_client(a, s), a.env),
            expect_success(ssf)))
        if gqop is not None:
            cases.append(Case(
                "gsasl", "ours-server", layer,
                lambda a, q=gqop: pair(
                    ours_server(a),
                    gsasl(a, "client", SERVICE, HOST, USER, PASSWORD, q),
                    a.env),
                expect_success(ssf)))
            cases.append(Case(
                "gsasl", "ours-client", layer,
                lambda a, s=ssf: pair(
                    gsasl(a, "server", SERVICE, HOST, REALM, USER, PASSWORD,
                          "qop-auth,qop-int"),
                    ours_client(a, s), a.env),
                expect_success(ssf)))
    return cases


def alter_token(which, change):
    """A mangler that decodes token line `which`, changes its octets with
    change(bytearray), and encodes it again: an attacker on the wire."""
    def mangle(n, line):
        if n != which:
            return line
        octets = bytearray(base64.b64decode(line[3:]))
        change(octets)
        return line[:3] + base64.b64encode(bytes(octets))
    return mangle


def other_hex_digit(octets):
    """The last hex digit of rspauth=..., another hex digit now."""
    octets[-1] = ord("0") if octets[-1] != ord("0") else ord("1")


def flip_bit(octets):
    """One bit of a protected message, past its length prefix."""
    octets[6] ^= 0x04


def extra_cases(args):
    """The control (Cyrus against itself), refusals, and an authzid."""
    return [
        Case("cyrus", "cyrus-cyrus", "3des",
             lambda a: pair(cyrus_server(), cyrus_client(112), a.env,
                            client_tty=PASSWORD),
             expect_failure("C", "failed to init cipher '3des'"),
             "control: the peer fails against itself"),
        Case("cyrus", "ours-server", "auth",
             lambda a: pair(ours_server(a), cyrus_client(0), a.env,
                            client_tty="wrong " + PASSWORD),
             expect_failure("S", "SEC_E_LOGON_DENIED: wrong password"),
             "wrong password refused"),
        Case("java", "ours-client", "auth",
             lambda a: pair(java(a, "server", SERVICE, HOST, REALM, USER,
                                 PASSWORD, "auth"),
                            ours_client(a, 0, password="wrong-password"),
                            a.env),
             expect_failure("S", "SaslException"), "wrong password refused"),
        # the server's tokens are, in order: mechanisms, challenge,
        # rspauth, protected message
        Case("java", "ours-client", "auth",
             lambda a: pair(java(a, "server", SERVICE, HOST, REALM, USER,
                                 PASSWORD, "auth"),
                            ours_client(a, 0), a.env,
                            mangle_s=alter_token(2, other_hex_digit)),
             expect_failure("C", "SEC_E_MUTUAL_AUTH_FAILED"),
             "altered rspauth refused"),
        Case("java", "ours-client", "rc4",
             lambda a: pair(java(a, "server", SERVICE, HOST, REALM, USER,
                                 PASSWORD, "auth-conf"),
                            ours_client(a, 128), a.env,
                            mangle_s=alter_token(3, flip_bit)),
             expect_failure("C", "SEC_E_MESSAGE_ALTERED"),
             "altered sealed message refused"),
        Case("cyrus", "ours-server", "des",
             lambda a: pair(ours_server(a), cyrus_client(55), a.env,
                            client_tty=PASSWORD,
                            mangle_c=alter_token(3, flip_bit)),
             expect_failure("S", "SEC_E_MESSAGE_ALTERED"),
             "altered sealed message refused"),
        Case("java", "ours-server", "auth-int",
             lambda a: pair(ours_server(a),
                            java(a, "client", SERVICE, HOST, USER, PASSWORD,
                                 "auth-int", "-", "bob"),
                            a.env),
             expect_success_saying("S", "authzid bob"), "authzid bob"),
        Case("java", "ours-client", "auth-int",
             lambda a: pair(java(a, "server", SERVICE, HOST, REALM, USER,
                                 PASSWORD, "auth-int", "bob"),
                            ours_client(a, 1, ["-u", "bob"]), a.env),
             expect_success_saying("S", "authorization id bob"),
             "authzid bob"),
    ]


def expect_success_saying(whose, text):
    """Both exit 0 and whose ('S' or 'C') says text."""
    def check(rc, errs, ours_is_server):
        if rc != (0, 0):
            return "exit statuses %s" % (rc,)
        err = errs[0] if whose == "S" else errs[1]
        return None if text.encode() in err else "no %r" % text
    return check


# ---- main ------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", required=True)
    ap.add_argument("--passwd", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--only", default="")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    env, problems = set_up(args)
    args.env = env
    cases = [c for c in matrix_cases(args) + extra_cases(args)
             if args.only in c.name]
    passed = failed = 0
    rows = []
    start = time.time()
    for i, case in enumerate(cases, 1):
        why_time = ""
        if problems:
            why = "; ".join(problems) + " (scripts/install-deps test)"
        else:
            t0 = time.time()
            rc, log, errs = case.run(args)
            why = case.expect(rc, errs, case.direction == "ours-server")
            if why is not None or args.verbose:
                for name, line in log:
                    print("#   %s> %s" % (name, line[:160].decode(
                        errors="replace")))
                for who, err in zip("SC", errs):
                    for line in err.decode(errors="replace").splitlines():
                        print("#   %s stderr: %s" % (who, line))
            why_time = " %.1fs" % (time.time() - t0)
        if why is None:
            passed += 1
            print("ok %d - %s%s" % (i, case.name, why_time))
        else:
            failed += 1
            print("not ok %d - %s: %s" % (i, case.name, why))
        rows.append((case, why))
        sys.stdout.flush()
    print("1..%d" % len(cases))
    print("# matrix (peer, our role, layer): result")
    for case, why in rows:
        print("#   %-6s %-12s %-9s %s%s" % (
            case.peer, case.direction, case.layer,
            "passed" if why is None else "FAILED: " + why,
            " - " + case.note if case.note else ""))
    print("# sasl-interop: %d passed, %d failed, %.0f s" % (
        passed, failed, time.time() - start))
    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    with open(args.results, "w") as f:
        f.write("passed=%d failed=%d\n" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
