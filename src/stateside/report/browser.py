"""Check a report in headless Chromium, offline: JavaScript errors, rendered charts, screenshot.

Used by the report tests and ``scripts/screenshot_report.py``. Chromium is Debian's
package (``apt-get install chromium``); nothing is downloaded. Each run gets a fresh
profile folder and flags that keep the browser off the network; the report itself
forbids every fetch by its Content-Security-Policy.

:func:`probe` loads a copy of the report with a small script added at the top of
``<head>`` that records errors (``error`` events, unhandled rejections, CSP violations,
``console.error``), and after the load event writes what it saw — errors, warnings,
resources fetched, rendered Plotly charts, section ids, page height — into a ``<pre>``
that ``--dump-dom`` prints.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
OFFLINE_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

PROBE = """<script>
(function () {
  var errors = [], warnings = [];
  function text(a) { try { return Array.prototype.map.call(a, String).join(' '); } catch (e) { return '?'; } }
  window.addEventListener('error', function (e) { errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || 'resource')); }, true);
  window.addEventListener('unhandledrejection', function (e) { errors.push('unhandled rejection: ' + e.reason); });
  document.addEventListener('securitypolicyviolation', function (e) { errors.push('CSP: ' + e.violatedDirective + ' ' + e.blockedURI); });
  var ce = console.error, cw = console.warn;
  console.error = function () { errors.push('console.error: ' + text(arguments)); return ce.apply(console, arguments); };
  console.warn = function () { warnings.push('console.warn: ' + text(arguments)); return cw.apply(console, arguments); };
  window.addEventListener('load', function () {
    setTimeout(function () {
      var plots = document.querySelectorAll('.js-plotly-plot');
      var rendered = 0;
      plots.forEach(function (p) { if (p.querySelector('svg.main-svg')) { rendered += 1; } });
      var out = {
        errors: errors, warnings: warnings,
        resources: performance.getEntriesByType('resource').map(function (r) { return r.name; }),
        plots: plots.length, rendered: rendered,
        sections: Array.prototype.map.call(document.querySelectorAll('section[id]'), function (s) { return s.id; }),
        height: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
        title: document.title
      };
      var pre = document.createElement('pre');
      pre.id = '__stateside_probe';
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
    }, 300);
  });
})();
</script>"""

_PROBE_RE = re.compile(r'<pre id="__stateside_probe">(.*?)</pre>', re.S)


def find_chromium() -> str | None:
    """Path of Debian's Chromium (or ``$STATESIDE_CHROMIUM``), or None."""
    env = os.environ.get("STATESIDE_CHROMIUM")
    for c in ((env,) if env else ()) + CHROMIUM_CANDIDATES:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return None


@dataclass
class ProbeResult:
    """What the page reported after loading."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    plots: int = 0
    rendered: int = 0
    sections: list[str] = field(default_factory=list)
    height: int = 0
    title: str = ""
    console: list[str] = field(default_factory=list)  # console lines Chromium logged on stderr
    dom: str = ""


def _run(chromium: str, args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="stateside-chromium-") as profile:
        cmd = [chromium, *OFFLINE_FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)


def _console_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


def probe(
    report: Path,
    chromium: str | None = None,
    *,
    width: int = 1400,
    timeout_s: float = 90.0,
    budget_ms: int = 20000,
) -> ProbeResult:
    """Load ``report`` with the probe script in headless Chromium and return what it saw."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("Chromium not found (apt-get install chromium)")
    html = Path(report).read_text(encoding="utf-8")
    marked = html.replace("<head>", "<head>" + PROBE, 1)
    with tempfile.TemporaryDirectory(prefix="stateside-probe-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(marked, encoding="utf-8")
        proc = _run(
            chromium,
            [
                f"--window-size={width},1000",
                f"--virtual-time-budget={budget_ms}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.as_uri(),
            ],
            timeout_s,
        )
    m = _PROBE_RE.search(proc.stdout)
    if m is None:
        raise RuntimeError(
            f"Chromium did not report on the page (exit {proc.returncode}); stderr tail:\n{proc.stderr[-2000:]}"
        )
    data: dict[str, Any] = json.loads(_unescape(m.group(1)))
    return ProbeResult(
        errors=list(data.get("errors", [])),
        warnings=list(data.get("warnings", [])),
        resources=list(data.get("resources", [])),
        plots=int(data.get("plots", 0)),
        rendered=int(data.get("rendered", 0)),
        sections=list(data.get("sections", [])),
        height=int(data.get("height", 0)),
        title=str(data.get("title", "")),
        console=_console_lines(proc.stderr),
        dom=proc.stdout,
    )


def _unescape(s: str) -> str:
    return (
        s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
    )


def screenshot(
    report: Path,
    png: Path,
    chromium: str | None = None,
    *,
    width: int = 1400,
    height: int | None = None,
    timeout_s: float = 90.0,
    budget_ms: int = 20000,
) -> Path:
    """A PNG of the whole page (height measured with :func:`probe` unless given)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("Chromium not found (apt-get install chromium)")
    if height is None:
        height = max(
            probe(report, chromium, width=width, timeout_s=timeout_s, budget_ms=budget_ms).height, 800
        )
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    proc = _run(
        chromium,
        [
            f"--window-size={width},{height}",
            f"--virtual-time-budget={budget_ms}",
            f"--screenshot={png}",
            Path(report).resolve().as_uri(),
        ],
        timeout_s,
    )
    if not png.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return png


def which_chromium_note() -> str:
    """A one-line hint for skips and errors."""
    return "headless Chromium not installed: apt-get install -y chromium (Debian package) to run the browser check"


__all__ = ["OFFLINE_FLAGS", "ProbeResult", "find_chromium", "probe", "screenshot", "which_chromium_note"]
