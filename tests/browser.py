"""A real headless Chromium (Debian's chromium + chromium-driver) driven by selenium, with all network
blocked and every request the page makes recorded.

Network: the host resolver maps every name to nothing, and Chrome DevTools blocks http(s), ws(s) and
ftp URLs; requests are still *recorded* (DevTools performance log), so a page that tries to load
anything from outside is seen even though the load fails.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

CHROMIUM = os.environ.get("IKZ_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("IKZ_CHROMEDRIVER", "/usr/bin/chromedriver")

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-extensions", "--disable-default-apps", "--disable-domain-reliability",
         "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1400,900", "--force-device-scale-factor=1",
         "--lang=de-DE"]

#: Installed before any script of the page runs: dialogs are recorded instead of shown.
TRAP = """
window.__ikzDialogs = [];
['alert', 'confirm', 'prompt'].forEach(function (f) {
  window[f] = function (m) { window.__ikzDialogs.push(f + ':' + String(m)); return null; };
});
"""


class BrowserMissing(RuntimeError):
    pass


class Browser:
    """One Chromium session; ``open(path)`` loads a local file and returns what happened."""

    def __init__(self):
        if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
            raise BrowserMissing(f"need {CHROMIUM} and {CHROMEDRIVER} (run scripts/install-browser.sh)")
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for f in FLAGS:
            opts.add_argument(f)
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
        self.driver.set_page_load_timeout(120)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": [
            "http://*", "https://*", "ws://*", "wss://*", "ftp://*"]})
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TRAP})

    def close(self):
        self.driver.quit()

    def open(self, path: Path, timeout: float = 120) -> dict:
        """Load ``path``, wait until the page says it is ready; return requests, console messages, timing."""
        self.driver.get_log("performance")  # drop what came before
        self.driver.get_log("browser")
        t0 = time.monotonic()
        self.driver.get(Path(path).resolve().as_uri())
        ready = False
        while time.monotonic() - t0 < timeout:
            ready = bool(self.driver.execute_script("return !!(window.ikzViz && window.ikzViz.ready)"))
            if ready:
                break
            time.sleep(0.05)
        seconds = time.monotonic() - t0
        requests = []
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.requestWillBeSent":
                requests.append(msg["params"]["request"]["url"])
        console = self.driver.get_log("browser")
        return {"ready": ready, "seconds": seconds, "requests": requests, "console": console}

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path


def outside(requests: list[str], page: Path) -> list[str]:
    """The requests that are not the page itself (or data:/blob:/about: URLs inside it)."""
    own = Path(page).resolve().as_uri()
    return [u for u in requests if u != own and not u.startswith(("data:", "blob:", "about:"))]
