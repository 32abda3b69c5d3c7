import os
import sys

from assistant.cli import main

try:
    sys.exit(main())
except BrokenPipeError:  # the reader went away (`… | head`): stop quietly, no traceback
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)
except KeyboardInterrupt:
    sys.exit(130)
