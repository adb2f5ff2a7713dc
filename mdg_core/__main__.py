import sys

from mdg_core.cli import main

sys.exit(main())
