"""``python -m influencemap``."""

import sys

from influencemap.cli import main

if __name__ == "__main__":
    sys.exit(main())
