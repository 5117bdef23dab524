import sys

from wharf.cli import main

sys.exit(main())
