#!/usr/bin/python3
"""Digest login with python3-requests (HTTPDigestAuth), for t/clients.t.

usage: requests_login.py USER PASSWORD URL [URL...]

GETs each URL in turn in ONE requests.Session with one HTTPDigestAuth, so
requests may reuse its nonce (nc 00000001, 00000002, ...) across requests on
the same kept-alive connection.  For each URL it prints one line:

    STATUS<TAB>N401<TAB>AUTHORIZATION

STATUS is the final status, N401 how many 401 responses came before it
(requests answers a 401 itself, once), AUTHORIZATION the Authorization
header of the final request ("-" when none was sent).  When requests
itself fails, the line is "ERR<TAB>0<TAB>EXCEPTION": python3-requests 2.28
raises TypeError on a challenge whose algorithm it lacks (SHA-256-sess,
SHA-512-256), after the 401.  Exit status 0 when
every request was made (whatever the statuses), 2 on usage or import errors.
Only ever give it 127.0.0.1 URLs.
"""
import sys

try:
    import requests
    from requests.auth import HTTPDigestAuth
except ImportError as e:  # python3-requests missing
    print("requests_login.py: %s" % e, file=sys.stderr)
    sys.exit(2)


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    user, password, urls = argv[1], argv[2], argv[3:]
    with requests.Session() as s:
        s.auth = HTTPDigestAuth(user, password)
        s.trust_env = False  # no proxy from the environment
        for url in urls:
            try:
                r = s.get(url, timeout=15)
            except Exception as e:  # e.g. an algorithm requests lacks
                print("ERR\t0\t%s: %s" % (type(e).__name__, e))
                sys.stdout.flush()
                continue
            n401 = sum(1 for h in r.history if h.status_code == 401)
            if r.status_code == 401:
                n401 += 1
            auth = r.request.headers.get("Authorization", "-")
            print("%d\t%d\t%s" % (r.status_code, n401, auth))
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
