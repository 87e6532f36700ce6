"""Run the command line with ``python -m sklearn_gan``."""

import sys

from ._cli import main

sys.exit(main())
