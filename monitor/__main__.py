"""`python -m monitor` is the `gates` command."""

import sys

from monitor.cli import main

sys.exit(main())
