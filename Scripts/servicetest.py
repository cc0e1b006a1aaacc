"""What Scripts/test-service and Scripts/test-postgres-service share: a
`caseload serve` process, HTTP requests to it, command documents, and how a
check fails. Imported by both (they put this folder on sys.path)."""

import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

NAME = pathlib.Path(sys.argv[0]).name


def fail(message):
    """Ends the script: the check named in `message` failed."""
    print(f"{NAME}: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class Server:
    """`caseload serve` on port 0; the port is read from its 'listening' log line."""

    started = []  # every server, so that a failed check leaves none running

    def __init__(self, caseload, db, tokens, log_path):
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [caseload, "serve", "--db", db, "--tokens", tokens, "--listen", "127.0.0.1:0", "--heartbeat", "1"],
            stdout=self.log, stderr=subprocess.PIPE, env={**os.environ, "CASELOAD_LOG_LEVEL": "info"})
        Server.started.append(self)
        self.port = None
        lines = []
        deadline = time.time() + 120
        while time.time() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            lines.append(line)
            self.log.write(line)
            match = re.search(rb"address=127\.0\.0\.1:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                break
        if self.port is None:
            self.process.kill()
            fail("the server did not say where it listens:\n" + b"".join(lines).decode(errors="replace"))
        # Keep draining its log so that it never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stderr:
            self.log.write(line)

    def stop(self, timeout=60):
        """SIGTERM, then its exit status; a server that does not stop fails the check, with its threads' stacks."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.log.flush()
            stacks = ""
            if shutil.which("gdb"):  # where it hangs, for whoever reads the failure
                stacks = subprocess.run(["gdb", "-p", str(self.process.pid), "-batch", "-ex", "thread apply all bt 12"],
                                        capture_output=True, text=True, timeout=120).stdout
                pathlib.Path(f"/tmp/caseload-serve-{self.process.pid}.stacks").write_text(stacks)
            self.process.kill()
            fail(f"the server did not stop within {timeout} s of SIGTERM (its threads: /tmp/caseload-serve-{self.process.pid}.stacks)\n"
                 + "\n".join(line for line in stacks.splitlines() if line.startswith("#") and "caseload" in line.lower())[:6000])
        self.log.flush()
        return code

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


class Unanswered(Exception):
    """The request got no HTTP answer (connection refused, reset, timed out)."""


def request(port, method, path, token, body=None, timeout=20):
    """(status, JSON body or None, headers); raises Unanswered without an answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            parsed = json.loads(raw or b"null")
        except ValueError:
            parsed = {"unparsed": raw[:200].decode(errors="replace")}
        return error.code, parsed, error.headers
    except (urllib.error.URLError, ConnectionError, OSError, http.client.HTTPException) as error:
        raise Unanswered(str(error)) from error


def command(kind, actor, data, at="2025-03-01T09:00:00Z"):
    """A command document with a new command id."""
    return {"commandId": str(uuid.uuid4()), "type": kind, "actor": actor, "occurredAt": at, "data": data}
