"""The machine a benchmark ran on, recorded with its figures: a ratio means little without cores, memory and load."""

import datetime as dt
import os
import platform
from pathlib import Path
from typing import Any


def machine_facts() -> dict[str, Any]:
    """Date, cores, RAM, load average at the start and Python version (Linux: RAM from /proc/meminfo)."""
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "ram_gib": round(int(meminfo["MemTotal"].split()[0]) / 1024 / 1024, 1),
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
    }
