"""A tracker process for the Python end-to-end tests: started on a free
loopback port in a process group of its own, found by the "listening on URL"
line it prints, and always ended by stop() (SIGTERM, then SIGKILL after 10 s,
to the whole group)."""

import hashlib
import os
import queue
import signal
import subprocess
import threading
import time


class StartupError(Exception):
    """The tracker did not come up; the message says how."""


def read_tracker_key(data_dir):
    """The tracker's secret key, as hex, from DATA_DIR/tracker.key: one line
    "tollstream-key-v1 <64 hex digits> <8 hex digits>", the last the first 4
    bytes of SHA-256 of the key's bytes (or, in the first format, the 64 hex
    digits alone)."""
    with open(os.path.join(data_dir, "tracker.key")) as f:
        fields = f.read().split()
    if len(fields) == 1:
        return fields[0]
    if len(fields) != 3 or fields[0] != "tollstream-key-v1":
        raise ValueError("tracker.key: not a key file")
    if hashlib.sha256(bytes.fromhex(fields[1])).hexdigest()[:8] != fields[2]:
        raise ValueError("tracker.key: its check does not match its key")
    return fields[1]


class TrackerProcess:
    """A new tracker (`tracker init`) in data_dir, then `tracker run`."""

    def __init__(self, binary, data_dir, log_path, extra_args=()):
        subprocess.run([binary, "init", "--data-dir", data_dir], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [binary, "run", "--data-dir", data_dir, "--listen", "127.0.0.1:0", *extra_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log, text=True,
            start_new_session=True)  # its own process group, so stop() reaches any child
        self.lines = queue.Queue()
        # Drain stdout for the whole life of the process so it never blocks.
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_url(self, timeout):
        """The URL it listens on, once it prints it (within `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartupError("tracker did not print 'listening on URL' within %d s" % timeout)
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise StartupError("tracker exited before listening (status %s)" % self.proc.poll())
            if line.startswith("listening on "):
                return line[len("listening on "):].strip()

    def stop(self):
        """Ends it for sure; returns its exit status (negative: the signal that ended it)."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()
        return self.proc.returncode
