"""procstat.py: RSS and open file descriptors of an httpd from /proc.

Processes come and go under the soak (graceful restarts, SIGKILL): any
/proc file may vanish between listing and reading it.  Every read here
treats that as "this process is gone" and goes on; a sample that cannot
be taken at all comes back as None and is counted by the caller, it never
ends the run."""
import os


def _read(path):
    with open(path) as f:
        return f.read()


def children(ppid):
    """Pids whose parent is ppid (those that vanish while read are left
    out)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = _read(f"/proc/{name}/stat")
        except OSError:  # gone between listdir and open, or no access
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and fields[1] == str(ppid):
            out.append(int(name))
    return out


def rss_kb(pid):
    """VmRSS in kB, or None when the process is gone."""
    try:
        for line in _read(f"/proc/{pid}/status").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def fds(pid):
    """(all open fds, those that are not sockets), or None when gone.
    Sockets follow the client's connections; the others should not move."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    total, other = 0, 0
    for n in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{n}")
        except OSError:  # closed in between: not open any more
            continue
        total += 1
        if not target.startswith("socket:"):
            other += 1
    return total, other


def sample(ppid):
    """One sample of an httpd: the parent's RSS and fds, and for the
    children the median RSS and the largest count of non-socket fds.
    None when the parent could not be read or no child could."""
    if ppid is None:
        return None
    prss, pfd = rss_kb(ppid), fds(ppid)
    if prss is None or pfd is None:
        return None
    rss, other = [], []
    for pid in children(ppid):
        r, f = rss_kb(pid), fds(pid)
        if r is None or f is None:
            continue
        rss.append(r)
        other.append(f[1])
    if not rss:
        return None
    rss.sort()
    return {"parent_rss": prss, "parent_fds": pfd[0],
            "child_rss": rss[len(rss) // 2], "child_fds": max(other),
            "children": len(rss)}
