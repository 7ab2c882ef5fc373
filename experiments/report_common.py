"""What every experiments/*_report.py states about its run: the machine's CPU, the commit and the date (UTC)."""
import datetime
import subprocess


def cpu_name(fallback="?"):
    """The model name /proc/cpuinfo gives (fallback where it gives none, e.g. on aarch64)."""
    with open("/proc/cpuinfo") as f:
        return next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), fallback)


def short_commit():
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def utc_date():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
