"""Debian's headless Chromium for the browser tests, launched one way everywhere.

Test tools cannot download their own browsers here: Playwright drives the
system package (`make browser` installs it with apt-get).
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = "chromium not installed: run `make browser` (apt-get install chromium) to run the browser tests"


def launch(playwright):
    """A headless Chromium from the system package, with the flags this machine needs."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
