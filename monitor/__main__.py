"""`python -m monitor` is the `gates` command."""

import sys

from monitor.cli.main import main

sys.exit(main())
