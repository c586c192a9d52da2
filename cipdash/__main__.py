import os
import sys

from .cli import main

try:
    code = main()
except SystemExit as exc:  # argparse: --help, usage errors
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
except Exception as exc:  # a fault of ours, not of the input (that is exit 1, listed): no traceback
    if os.environ.get("CIPDASH_SHOW_ERRORS"):  # the test suite, or someone looking for the cause
        raise
    print(f"The command could not finish: {type(exc).__name__}: {exc}", file=sys.stderr)
    print("This is a fault in the dashboard, not in your files. Loads and exports write their file whole "
          "or not at all, so nothing half-written was left. Set CIPDASH_SHOW_ERRORS=1 to see the details.",
          file=sys.stderr)
    code = 2
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BrokenPipeError:  # `summary --json | head`: the reader left
    pass
# Leave without the interpreter's teardown: Arrow's and DuckDB's native thread pools can
# abort in it now and then ("terminate called without an active exception", exit -6; seen
# here once in a test run, and apache/arrow#34314), after every result is written. A
# scheduler would report that as a failed load. Everything is flushed and closed by now.
os._exit(code)
