"""What every experiments/*_report.py states about its run: the machine's CPU, the commit and the date (UTC)."""
import datetime
import os
import subprocess


def cpu_name(fallback="?"):
    """The model name /proc/cpuinfo gives (fallback where it gives none, e.g. on aarch64)."""
    with open("/proc/cpuinfo") as f:
        return next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), fallback)


def short_commit(run_dir=None):
    """The commit a run was made with: RUN_DIR/commit.txt where the run wrote one, else HEAD."""
    if run_dir and os.path.exists(f"{run_dir}/commit.txt"):
        return open(f"{run_dir}/commit.txt").read().strip()
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def utc_date():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
