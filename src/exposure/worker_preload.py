"""Imported by the worker fork server before it forks workers: every reader is loaded once there.

Detection is many small Polars operations per batch of rows: Polars' own threads only add overhead
to them (measured: one thread is faster than two, even for one worker on two cores), and the scan
already runs one worker per core. So workers use one Polars thread, unless the user says otherwise;
set before Polars is first imported in this process.
"""

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")

from exposure.worker import warm_up  # noqa: E402 - after the setting above, which Polars reads on import

warm_up()
