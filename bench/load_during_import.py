"""Pages while a big import writes: a bounded loopback load on the pages during `import_history` of N plays.

Seeds a demo library (so the pages have something to show), serves it with gunicorn (DEBUG=0,
SQLite by default), logs in, then runs CLIENTS clients that each ask for one page after the
other (dashboard, journal, timeline, analytics, collection, an artist) — first for a few
seconds with nothing else running, then for as long as the import of a generated Spotify
history of N plays (default 1,000,000) runs. Prints requests/s, p50, p99, max and errors of
both phases, and the import's plays/s. Run: .venv/bin/python bench/load_during_import.py
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from import_history import write_history  # bench/import_history.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/journal/", "/timeline/", "/analytics/", "/analytics/?period=all", "/collection/"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn_serving(env: dict, *, workers: int = 2, threads: int = 1):
    """The app served by gunicorn on a free loopback port, ready (its /healthz answers): yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--timeout", "120"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(150):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def logged_in(base: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/login/", data={"username": "admin", "password": password,
                                                   "csrfmiddlewaretoken": token},
                          headers={"Referer": f"{base}/login/"}, timeout=30, allow_redirects=False)
    if answer.status_code != 302:
        sys.exit(f"login failed: HTTP {answer.status_code}")
    return session


def load(base: str, sessions: list[requests.Session], pages: list[str], until) -> dict:
    """Each client asks for the next page once its last one answered, until `until()` is true."""
    latencies, by_page, errors, lock = [], {}, [], threading.Lock()

    def client(number: int, session: requests.Session) -> None:
        index = number
        while not until():
            path = pages[index % len(pages)]
            index += 1
            started = time.perf_counter()
            try:
                status = session.get(f"{base}{path}", timeout=60).status_code
            except requests.RequestException as exc:
                status = exc.__class__.__name__
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                by_page.setdefault(path, []).append(elapsed)
                if status != 200:
                    errors.append(f"{path}: {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n, s)) for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    ordered = sorted(latencies) or [0.0]
    return {
        "requests": len(latencies), "seconds": seconds, "rps": len(latencies) / seconds if seconds else 0,
        "p50": statistics.median(ordered), "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1], "errors": errors,
        "slowest": max(((sorted(times)[int(len(times) * 0.99)], path) for path, times in by_page.items()),
                       default=(0.0, "")),
    }


def report(name: str, figures: dict) -> None:
    print(f"{name}: {figures['requests']} requests in {figures['seconds']:.1f} s = {figures['rps']:.1f} requests/s")
    print(f"{name} p50: {figures['p50']:.0f} ms")
    print(f"{name} p99: {figures['p99']:.0f} ms")
    print(f"{name} max: {figures['max']:.0f} ms")
    print(f"{name} slowest page p99: {figures['slowest'][0]:.0f} ms ({figures['slowest'][1]})")
    first = f" (first: {figures['errors'][0]})" if figures["errors"] else ""
    print(f"{name} errors: {len(figures['errors'])}{first}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plays", type=int, default=1_000_000, help="plays in the imported file")
    parser.add_argument("--seed-scrobbles", type=int, default=100_000, help="plays of the demo library")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--idle-seconds", type=float, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mj-load-") as folder:
        password = "bench-password-123"
        env = {**os.environ, "JOURNAL_DATA_DIR": folder, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50,
               "ALLOWED_HOSTS": "127.0.0.1", "JOURNAL_ADMIN_PASSWORD": password, "SEED_DEMO": "0",
               "DJANGO_SETTINGS_MODULE": "config.settings"}
        manage = [sys.executable, str(ROOT / "manage.py")]
        quiet = {"env": env, "cwd": ROOT, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], **quiet)
        subprocess.run([*manage, "bootstrap"], **quiet)
        subprocess.run([*manage, "seed_demo", "--scrobbles", str(args.seed_scrobbles)], **quiet)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], **quiet)
        history = Path(folder) / "Streaming_History_Audio_bench_0.json"
        write_history(history, args.plays)

        with gunicorn_serving(env, threads=2) as base:
            sessions = [logged_in(base, password) for _ in range(args.clients)]
            artist = re.search(r'href="(/artists/\d+/)"', sessions[0].get(f"{base}/", timeout=30).text)
            pages = PAGES + ([artist.group(1)] if artist else [])
            for session in sessions:  # warm: the first request of each page
                for path in pages:
                    session.get(f"{base}{path}", timeout=60)

            idle_until = time.monotonic() + args.idle_seconds
            report("idle", load(base, sessions, pages, until=lambda: time.monotonic() > idle_until))

            started = time.perf_counter()
            importer = subprocess.Popen([*manage, "import_history", str(history)], env=env, cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            during = load(base, sessions, pages, until=lambda: importer.poll() is not None)
            import_seconds = time.perf_counter() - started
            summary = importer.stdout.read().strip().splitlines()
            report("during import", during)
            print(f"import: {args.plays:,} plays in {import_seconds:.1f} s = {args.plays / import_seconds:,.0f} plays/s"
                  f" (exit {importer.returncode}: {summary[-1] if summary else ''})")


if __name__ == "__main__":
    main()
