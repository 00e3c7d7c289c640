"""farm.py: the soak's servers, written into a temp dir and started on free
loopback ports: a redis-server, httpd A and B (one secret file, one Redis
store) and httpd C (its own secret, a small shared-memory table, so its
table evicts).  Everything started here is stopped by Farm.stop()."""
import os
import shutil
import signal
import socket
import subprocess
import time

MAX_BODY = 65536  # AuthDigestMaxBody of every location
SHM_SIZE = 65536  # C's AuthDigestShmemSize: about 500 live nonces
ALGS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256",
        "SHA-512-256-sess"]
USER, PASSWORD, REALM = "soak", "soak password", "soak"


def free_port():
    """A port the kernel just handed out on 127.0.0.1 (then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_port(port, seconds=10.0):
    end = time.time() + seconds
    while time.time() < end:
        if port_open(port):
            return True
        time.sleep(0.05)
    return False


def apxs(var):
    return subprocess.check_output(["apxs", "-q", var], text=True).strip()


class Redis:
    """redis-server without persistence: a restart starts it empty."""

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir)
        self.port = free_port()
        self.proc = None

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            return  # already up
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--maxmemory-policy", "noeviction", "--daemonize", "no",
             "--logfile", os.path.join(self.dir, "redis.log")],
            stdin=subprocess.DEVNULL, start_new_session=True)
        if not wait_port(self.port):
            raise RuntimeError("redis-server did not come up")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def location(path, realm, alg, qop, lifetime=None):
    extra = f"    AuthDigestNonceLifetime {lifetime}\n" if lifetime else ""
    return f"""<Location {path}>
    AuthType Digest
    AuthName "{realm}"
    AuthDigestAlgorithm {alg}
    AuthDigestQop {qop}
    AuthDigestMaxBody {MAX_BODY}
{extra}    AuthUserFile "{{users}}"
    Require valid-user
</Location>
"""


def locations():
    """/alg/KEY/ per algorithm (auth and auth-int), /none/ (no qop),
    /short/ (1 s nonces), /other/ (another realm); POSTs go to .../echo,
    which mod_reflector answers with the body."""
    out = [location(f"/alg/{a.lower()}/", REALM, a, "auth auth-int")
           for a in ALGS]
    out.append(location("/none/", REALM, "MD5", "none"))
    out.append(location("/short/", REALM, "MD5", "auth", lifetime=1))
    out.append(location("/other/", "other", "MD5", "auth"))
    out.append('<LocationMatch "/echo$">\n    SetHandler reflector\n'
               '</LocationMatch>\n')
    return "".join(out)


MPM_CONF = {
    # room for a generation that finishes its requests after a graceful
    # restart; no idle children reaped, so a child only goes by our faults
    "event": """StartServers 2
ServerLimit 8
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 8
MaxSpareThreads 32
""",
    "prefork": """StartServers 12
ServerLimit 48
MinSpareServers 4
MaxSpareServers 48
MaxRequestWorkers 48
""",
}


class Httpd:
    def __init__(self, tmp, name, mpm, store, secret=None):
        self.name = name
        self.dir = os.path.join(tmp, name)
        os.makedirs(os.path.join(self.dir, "run"))
        self.port = free_port()
        self.mpm = mpm
        self.store = store  # e.g. "redis:127.0.0.1:1234" or "shm"
        self.secret = secret
        self.conf = os.path.join(self.dir, "httpd.conf")
        self.error_log = os.path.join(self.dir, "error_log")
        self.pidfile = os.path.join(self.dir, "run", "httpd.pid")

    def write_conf(self, tmp, module_so):
        mods = apxs("LIBEXECDIR")
        load = "".join(
            f"LoadModule {m}_module {mods}/mod_{m}.so\n"
            for m in [f"mpm_{self.mpm}", "authn_core", "authn_file", "authz_core",
                      "authz_user", "mime", "status", "http2", "reflector"])
        user = "User nobody\nGroup nogroup\n" if os.geteuid() == 0 else ""
        secret = (f"AuthDigestNonceSecret {self.secret}\n"
                  if self.secret else "")
        store = (f"AuthDigestNonceCache {self.store}\n"
                 if self.store != "shm" else
                 f"AuthDigestShmemSize {SHM_SIZE}\n")
        text = f"""# Written by bench/soak/farm.py: httpd {self.name} of the soak.
{load}LoadModule auth_sspidigest_module {module_so}
ServerRoot "{self.dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
{user}PidFile "{self.pidfile}"
DefaultRuntimeDir "{self.dir}/run"
ErrorLog "{self.error_log}"
LogLevel {os.environ.get("SOAK_LOGLEVEL", "notice")}
TypesConfig /etc/mime.types
DocumentRoot "{tmp}/htdocs"
Protocols h2c http/1.1
KeepAlive On
KeepAliveTimeout 30
MaxKeepAliveRequests 0
Timeout 20
{MPM_CONF[self.mpm]}{secret}{store}ExtendedStatus On
<Location /server-status>
    SetHandler server-status
</Location>
{locations().replace("{users}", os.path.join(tmp, "users"))}"""
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, binary):
        out = subprocess.run([binary, "-f", self.conf, "-k", "start"],
                             capture_output=True, text=True)
        if out.returncode != 0 or not wait_port(self.port):
            log = ""
            if os.path.exists(self.error_log):
                log = open(self.error_log).read()[-2000:]
            raise RuntimeError(f"httpd {self.name} did not start:\n"
                               f"{out.stderr}{log}")

    def pid(self):
        try:
            return int(open(self.pidfile).read().strip())
        except (OSError, ValueError):
            return None

    def graceful(self):
        pid = self.pid()
        if pid:
            os.kill(pid, signal.SIGUSR1)

    def stop(self):
        pid = self.pid()
        if not pid:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Farm:
    def __init__(self, top, build, mpm):
        self.tmp = subprocess.check_output(
            ["mktemp", "-d", "/tmp/sspidigest-soak.XXXXXX"], text=True).strip()
        os.chmod(self.tmp, 0o755)
        self.top, self.build = top, build
        self.binary = shutil.which("apache2") or shutil.which("httpd")
        self.redis = Redis(self.tmp)
        secret = os.path.join(self.tmp, "farm.key")
        with open(os.open(secret, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(os.urandom(32))
        store = f"redis:127.0.0.1:{self.redis.port}"
        self.httpds = {
            "A": Httpd(self.tmp, "A", mpm, store, secret),
            "B": Httpd(self.tmp, "B", mpm, store, secret),
            "C": Httpd(self.tmp, "C", mpm, "shm"),
        }

    def write_files(self):
        os.makedirs(os.path.join(self.tmp, "htdocs"))
        for d in ["none", "short", "other"] + [
                f"alg/{a.lower()}" for a in ALGS]:
            path = os.path.join(self.tmp, "htdocs", d)
            os.makedirs(path)
            with open(os.path.join(path, "index.html"), "w") as f:
                f.write("<!doctype html><title>soak</title><p>soak page\n")
        users = os.path.join(self.tmp, "users")
        tool = os.path.join(self.build, "sspidigest-passwd")
        for i, realm in enumerate([REALM, "other"]):
            args = [tool] + (["-c"] if i == 0 else []) + [
                "-i", users, realm, USER]
            subprocess.run(args, input=PASSWORD + "\n", text=True,
                           check=True, capture_output=True)
        module = os.path.join(self.top, ".libs", "mod_auth_sspidigest.so")
        for h in self.httpds.values():
            h.write_conf(self.tmp, module)
        subprocess.run(["chmod", "-R", "a+rX", self.tmp], check=True)
        os.chmod(os.path.join(self.tmp, "farm.key"), 0o600)

    def start(self):
        self.write_files()
        self.redis.start()
        for h in self.httpds.values():
            h.start(self.binary)

    def stop(self):
        for h in self.httpds.values():
            h.stop()
        self.redis.stop()

    def remove(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
