import os
import sys

from .cli import main

try:
    code = main()
except SystemExit as exc:  # argparse: --help, usage errors
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
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
