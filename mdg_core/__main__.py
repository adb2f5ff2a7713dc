import sys

from mdg_core.cli import run

sys.exit(run())
