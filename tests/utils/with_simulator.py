"""Run a command against a fresh simulator: python tests/utils/with_simulator.py [sim options] -- command ...

Starts `python -m scalingo_sim` on 127.0.0.1 with a free port, points the SCALINGO_* variables at it,
runs the command with a private bearer cache, stops the simulator, and exits with the command's code.
"""

import os
import subprocess
import sys
import tempfile
import time

TOKEN = "tk-us-simulator"


# Generous: on a loaded machine (every xdist worker starts one at once, beside other work) Python and Flask
# may take several seconds to import.
START_TIMEOUT = 60


def start(extra=(), env=None):
    """Start the simulator; returns (process, base URL)."""
    handle, url_file = tempfile.mkstemp(prefix="scalingo-sim-", suffix=".url")
    os.close(handle)
    os.unlink(url_file)
    process = subprocess.Popen(
        [sys.executable, "-m", "scalingo_sim", "--port", "0", "--url-file", url_file, *extra],
        stdout=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if os.path.exists(url_file) and os.path.getsize(url_file):
            with open(url_file, encoding="utf-8") as handle:
                url = handle.read().strip()
            os.unlink(url_file)
            return process, url
        if process.poll() is not None:
            raise SystemExit(f"the simulator exited with code {process.returncode}")
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the simulator did not start within {START_TIMEOUT} s")


def stop(process):
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def environment(url, cache_dir):
    env = dict(os.environ)
    env.update(SCALINGO_API_URL=url, SCALINGO_AUTH_URL=url, SCALINGO_API_TOKEN=TOKEN, XDG_CACHE_HOME=cache_dir)
    # The simulator enforces no rate limit unless told to (POST /_sim/config): a budget of 20 requests a
    # second keeps the modules' pacing at work in every task without making them wait for Scalingo's 60 a minute.
    env.setdefault("SCALINGO_RATE_LIMIT", "1200")
    return env


def main():
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else 0
    sim_args, command = argv[:split], argv[split + 1 :]
    process, url = start(sim_args)
    print(f"Scalingo simulator at {url}", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="scalingo-cache-") as cache_dir:
            code = subprocess.call(command, env=environment(url, cache_dir))
    finally:
        stop(process)
    sys.exit(code)


if __name__ == "__main__":
    main()
