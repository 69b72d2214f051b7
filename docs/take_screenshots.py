"""Refresh the README's screenshots: a demo library served locally, photographed in Chromium.

Run: .venv/bin/python docs/take_screenshots.py   (needs /usr/bin/chromium; writes docs/screenshots/)
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PAGES = [("dashboard", "/"), ("journal", "/journal/"), ("timeline", "/timeline/"), ("collection", "/collection/"),
         ("analytics", "/analytics/"), ("settings", "/settings/")]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    data = tempfile.mkdtemp()
    env = {**os.environ, "JOURNAL_DATA_DIR": data, "JOURNAL_ADMIN_USER": "demo",
           "JOURNAL_ADMIN_PASSWORD": "demo-password", "DJANGO_SETTINGS_MODULE": "config.settings"}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "bootstrap"], env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(3)
        base = f"http://127.0.0.1:{port}"
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for scheme in ("light", "dark"):
                page = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
                page.goto(f"{base}/login/")
                page.fill("input[name=username]", "demo")
                page.fill("input[name=password]", "demo-password")
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/")
                for name, path in PAGES if scheme == "light" else PAGES[:1]:
                    page.goto(base + path, wait_until="networkidle")
                    suffix = "" if scheme == "light" else "-dark"
                    page.screenshot(path=OUT / f"{name}{suffix}.png")
                    print(f"docs/screenshots/{name}{suffix}.png")
                page.close()
            browser.close()
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
