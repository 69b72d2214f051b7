"""Resident memory (PSS) of the web server and of the worker, idle and after a page run, at 1 M plays.

Seeds `seed_demo --scrobbles N` (default 1,000,000) into a temporary data folder, or reuses the
one given by --data-dir (seeding it first when it holds fewer plays), then starts what a user
runs, as separate processes on that folder (DEBUG=0, SQLite unless DATABASE_URL is set, no
outside service configured): the web server as the Dockerfile does (`gunicorn
config.wsgi:application --workers 3`; or `--server runserver`, as `make run` does) and one worker
(`manage.py qcluster`: its main process, the sentinel, and under it the task workers, the
monitor and the pusher). Every interval schedule is made due, so idle means a worker after one
round of its periodic tasks: --settle seconds after the start (the scheduler passes every 30 s:
at 30 s it hands out every task, at 90 s the minute ones again), then until both use next to no
CPU. (A task worker keeps its last task's database connection, and SQLite's page cache with it,
until its next task: the one that ran the hourly album figures shows it unless it got another.)
It reads the PSS of every process of each tree from /proc/<pid>/smaps_rollup (PSS splits the
pages that forked processes share between them, so the figures add up), then logs in and asks
for the main pages
(dashboard, journal, timeline, analytics over all time, collection, an artist, an album; --rounds
times each, by as many clients at once as gunicorn has workers, so that each of them serves
some). Prints one figure per line, in MiB: the web server idle and after the pages, the worker
idle, each with its processes; the total of web and worker idle, and whether it is under 150 MiB.
Q_WORKERS in the environment sets the worker's task workers, as it does in production.
Run: .venv/bin/python bench/memory.py [--data-dir DIR] [--scrobbles N] [--server gunicorn|runserver]
     [--web-workers 3] [--preload] [--settle 100] [--rounds 3]
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
TARGET_MB = 150
USERNAME = "bench-memory"
PASSWORD = "bench-memory-password-123"
CREDENTIALS = ("LASTFM_API_KEY", "SPOTIFY_CLIENT_ID", "DISCOGS_TOKEN", "APIFY_TOKEN", "AI_API_KEY")
PAGES = ["/", "/journal/", "/timeline/", "/analytics/?period=all", "/collection/"]


def prepare(data_dir: Path, scrobbles: int, env: dict) -> int:
    """Migrate, seed unless the database already holds `scrobbles` plays, and set the bench user's
    password; returns the number of plays."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    count = int(_shell("from tracker.models import Scrobble; print(Scrobble.objects.count())", env))
    if count < scrobbles:
        print(f"seeding {scrobbles:,} scrobbles into {data_dir} …", file=sys.stderr)
        subprocess.run([*manage, "seed_demo", "--scrobbles", str(scrobbles)], env=env, cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        count = int(_shell("from tracker.models import Scrobble; print(Scrobble.objects.count())", env))
    _shell("from django.contrib.auth import get_user_model\n"
           f"user, _ = get_user_model().objects.get_or_create(username={USERNAME!r})\n"
           f"user.is_staff = user.is_superuser = True\nuser.set_password({PASSWORD!r})\nuser.save()\n"
           # Every interval schedule is due: the worker's first scheduler pass runs each periodic task once.
           "from django.utils import timezone\nfrom django_q.models import Schedule\n"
           "print(Schedule.objects.exclude(schedule_type=Schedule.CRON).update(next_run=timezone.now()))", env)
    return count


def _shell(code: str, env: dict) -> str:
    answer = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", code], env=env, cwd=ROOT,
                            check=True, capture_output=True, text=True)
    return answer.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of() -> dict[int, list[tuple[int, int]]]:
    """Every process's children as (start time in clock ticks, pid), by parent pid, oldest first."""
    found: dict[int, list[tuple[int, int]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        found.setdefault(int(fields[1]), []).append((int(fields[19]), int(entry.name)))  # ppid, starttime
    return {parent: sorted(kids) for parent, kids in found.items()}


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def wait_quiet(processes, *, window: float = 3, share: float = 0.05, limit: float = 300) -> None:
    """Until the processes together use less than `share` of a CPU over `window` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        pids = [pid for _role, pid in processes()]
        before = cpu_seconds(pids)
        time.sleep(window)
        if cpu_seconds(pids) - before < share * window:
            return
    sys.exit(f"still busy after {limit:.0f} s")


def pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def web_processes(pid: int, server: str) -> list[tuple[str, int]]:
    """(role, pid) of the web server: gunicorn's master and its workers, or runserver's one process."""
    if server == "runserver":
        return [("runserver", pid)]
    workers = [child for _start, child in children_of().get(pid, [])]
    return [("gunicorn master", pid)] + [(f"gunicorn worker {n}", w) for n, w in enumerate(workers, 1)]


def worker_processes(pid: int) -> list[tuple[str, int]]:
    """(role, pid) of one `qcluster`: the main process, its sentinel, and the sentinel's children.

    The sentinel starts the task workers, then the monitor and the pusher, all at once; a task worker
    recycled later (max_rss) is replaced by a younger one. So the last two of the first burst are
    the monitor and the pusher, and every other child is a task worker."""
    tree = children_of()
    roles = [("qcluster", pid)]
    for _start, sentinel in tree.get(pid, []):
        roles.append(("sentinel", sentinel))
        spawned = tree.get(sentinel, [])
        burst = [child for start, child in spawned if start - spawned[0][0] <= 2 * os.sysconf("SC_CLK_TCK")]
        helpers = burst[-2:]
        roles += [(f"task worker {n}", child)
                  for n, child in enumerate((c for _s, c in spawned if c not in helpers), 1)]
        roles += list(zip(("monitor", "pusher"), helpers))
    return roles


def report(label: str, processes: list[tuple[str, int]]) -> float:
    figures = [(role, pss_mb(pid)) for role, pid in processes]
    total = sum(mb for _role, mb in figures)
    print(f"{label} MiB: {total:.1f} ({len(figures)} processes)")
    for role, mb in figures:
        print(f"{label}, {role} MiB: {mb:.1f}")
    return total


def logged_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{base}/login/", data={"username": USERNAME, "password": PASSWORD,
                                                   "csrfmiddlewaretoken": token},
                          headers={"Referer": f"{base}/login/"}, timeout=30, allow_redirects=False)
    if answer.status_code != 302:
        sys.exit(f"login failed: HTTP {answer.status_code}")
    return session


def page_run(base: str, rounds: int, clients: int) -> None:
    """Every main page, an artist's and an album's, `rounds` times each, by `clients` logged-in
    clients at once (a sync gunicorn worker serves one request at a time: each of them gets some)."""
    sessions = [logged_in(base) for _ in range(clients)]
    pages = list(PAGES)
    for path, pattern in (("/", r'href="(/artists/\d+/)"'), ("/collection/", r'href="(/albums/\d+/)"')):
        found = re.search(pattern, sessions[0].get(f"{base}{path}", timeout=120).text)
        if not found:
            sys.exit(f"no link like {pattern} on {path}")
        pages.append(found.group(1))

    def client(session: requests.Session) -> list[str]:
        failed = []
        for _ in range(rounds):
            for path in pages:
                status = session.get(f"{base}{path}", timeout=120).status_code
                if status != 200:
                    failed.append(f"{path} answered {status}")
        return failed

    with ThreadPoolExecutor(max_workers=clients) as pool:
        failed = [failure for failures in pool.map(client, sessions) for failure in failures]
    if failed:
        sys.exit(failed[0])


def wait_for_web(base: str, server: subprocess.Popen) -> None:
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"the web server exited with {server.returncode}")
        try:
            requests.get(f"{base}/healthz", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    sys.exit("the web server did not answer within a minute")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default="", help="Reuse this data folder (seeded when it holds fewer plays).")
    parser.add_argument("--scrobbles", type=int, default=1_000_000)
    parser.add_argument("--server", choices=("gunicorn", "runserver"), default="gunicorn",
                        help="gunicorn as the Dockerfile runs it, or runserver as `make run` does")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn --workers (the Dockerfile's 3)")
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload: workers share the loaded app")
    parser.add_argument("--settle", type=float, default=100, help="Seconds to let both settle before reading idle.")
    parser.add_argument("--rounds", type=int, default=3, help="Requests of each page in the page run.")
    args = parser.parse_args()

    temporary = None if args.data_dir else tempfile.TemporaryDirectory(prefix="mj-memory-")
    data_dir = Path(args.data_dir or temporary.name).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "JOURNAL_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "config.settings",
           "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "SEED_DEMO": "0",
           # Offline, whatever .env says: no key for any service, and Wikidata (which needs none) refused.
           **dict.fromkeys(CREDENTIALS, ""), "WIKIDATA_SPARQL_URL": "http://127.0.0.1:9/sparql"}
    started = []
    try:
        plays = prepare(data_dir, args.scrobbles, env)
        if args.server == "gunicorn":
            server = ["gunicorn", "config.wsgi:application", "--workers", str(args.web_workers),
                      *(["--preload"] if args.preload else [])]
            command = [sys.executable, "-m", *server, "--bind", f"127.0.0.1:{port}"]
        else:
            server = ["manage.py", "runserver", "--noreload"]
            command = [sys.executable, *server, f"127.0.0.1:{port}"]
        quiet = {"env": env, "cwd": ROOT, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL,
                 "start_new_session": True}
        web = subprocess.Popen(command, **quiet)
        started.append(web)
        worker = subprocess.Popen([sys.executable, "manage.py", "qcluster", "--skip-checks"], **quiet)
        started.append(worker)
        base = f"http://127.0.0.1:{port}"
        wait_for_web(base, web)
        time.sleep(args.settle)
        if worker.poll() is not None:
            sys.exit(f"the worker exited with {worker.returncode}")
        wait_quiet(lambda: web_processes(web.pid, args.server) + worker_processes(worker.pid))

        print(f"scrobbles: {plays:,}")
        print(f"web server: {' '.join(server)}")
        web_idle = report("web idle", web_processes(web.pid, args.server))
        worker_idle = report("worker idle", worker_processes(worker.pid))
        page_run(base, args.rounds, clients=args.web_workers if args.server == "gunicorn" else 1)
        report("web after pages", web_processes(web.pid, args.server))
        total = web_idle + worker_idle
        print(f"web + worker idle MiB: {total:.1f}")
        print(f"under {TARGET_MB} MiB: {'yes' if total < TARGET_MB else 'no'}")
    finally:
        for process in started:  # each stops its own children on SIGTERM; what is left is killed
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if temporary:
            temporary.cleanup()


if __name__ == "__main__":
    main()
