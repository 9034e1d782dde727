"""Screenshots of the main screens with headless Chromium, for the README and for reviewing UI.

    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8000 \
        admin@demo.cxhub.local demo1234 docs/screenshots
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = {
    "inbox": "/inbox/",
    "contacts": "/contacts/",
    "settings": "/settings/",
    "users": "/settings/users/",
    "audit": "/settings/audit/",
    "system": "/settings/system/",
    "nps": "/nps/",
}


def main(base: str, email: str, password: str, out: str, only: list[str]) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(f"{base}/accounts/login/")
        page.screenshot(path=str(out_dir / "login.png"))
        page.fill("#id_login", email)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/**")
        for name, path in PAGES.items():
            if only and name not in only:
                continue
            page.goto(base + path)
            page.screenshot(path=str(out_dir / f"{name}.png"))
        page.goto(base + "/inbox/")
        first = page.locator("[data-row]").first
        if first.count():
            first.click()
            page.wait_for_load_state()
            page.screenshot(path=str(out_dir / "thread.png"))
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:5], only=sys.argv[5:])
