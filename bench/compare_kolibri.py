"""The lesson page beside Kolibri's, on the same machine and in one run, over an emulated slow link.

    python3 -m venv /tmp/kolibri-venv && /tmp/kolibri-venv/bin/pip install kolibri    # a throwaway environment
    .venv/bin/python bench/compare_kolibri.py --kolibri /tmp/kolibri-venv/bin/kolibri

It starts Kolibri (a fresh KOLIBRI_HOME, provisioned as a non-formal facility that guests may
use) and this portal (a throwaway SQLite database with the bundled courses), then opens, in
headless Chromium over an emulated 400 kbit/s link with 400 ms latency and a cold cache, this
portal's lesson page and Kolibri's Learn page. Kolibri holds no channel here (importing one needs the
internet), so its Learn page is the page a learner opens before any resource: what it costs is what
Kolibri costs before showing a lesson. For each: bytes transferred, requests, and the time until the
text is readable (Largest Contentful Paint) and until the load event. Loopback only.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.kolibri import running_kolibri  # noqa: E402
from bench.page_weight import served_portal  # noqa: E402
from bench.server_load import free_port  # noqa: E402

#: 400 kbit/s both ways, 400 ms round trip: a cheap phone on a poor mobile connection.
SLOW_LINK = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
LARGEST_PAINT = """() => new Promise(resolve => {
  let last = 0;
  new PerformanceObserver(list => { for (const entry of list.getEntries()) last = entry.startTime; })
    .observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve({lcp: last, load: performance.getEntriesByType('navigation')[0].loadEventEnd}), 1500);
})"""


@dataclass
class Load:
    name: str
    url: str
    bytes: int
    requests: int
    readable_ms: float
    load_ms: float


def measure(browser, name: str, url: str) -> Load:
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    received = {"bytes": 0, "requests": 0}

    def finished(event) -> None:
        received["bytes"] += int(event["encodedDataLength"])
        received["requests"] += 1

    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="load", timeout=300_000)
    page.wait_for_timeout(3000)  # what the page fetches after its load event (Kolibri's API calls)
    timing = page.evaluate(LARGEST_PAINT)
    context.close()
    return Load(name, url, received["bytes"], received["requests"], timing["lcp"], timing["load"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kolibri", required=True, help="the kolibri command of a throwaway environment")
    args = parser.parse_args()

    from lms.content.reader import read_library
    from lms.content.store import import_bundles
    from lms.extensions import db

    with served_portal() as (app, browser, base, tmp):
        with app.app_context():
            bundles = read_library(ROOT / "courses")
            import_bundles(bundles)
            db.session.commit()
        lesson = f"/courses/{bundles[0].slug}/lessons/{bundles[0].lesson_ids[1]}"
        kolibri_port = free_port()
        with running_kolibri(args.kolibri, tmp / "kolibri-home", kolibri_port):
            ours = measure(browser, "this portal: lesson page", base + lesson)
            theirs = measure(browser, "Kolibri 0.19: Learn page", f"http://127.0.0.1:{kolibri_port}/en/learn/")
    print("| page | bytes | requests | text readable (LCP) | load event |")
    print("|---|---:|---:|---:|---:|")
    for load in (ours, theirs):
        print(f"| {load.name} | {load.bytes:,} | {load.requests} | {load.readable_ms / 1000:.1f} s | "
              f"{load.load_ms / 1000:.1f} s |")
    print(f"| Kolibri / this portal | {theirs.bytes / ours.bytes:.0f}x | {theirs.requests / ours.requests:.0f}x | "
          f"{theirs.readable_ms / max(ours.readable_ms, 1):.0f}x | {theirs.load_ms / max(ours.load_ms, 1):.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
