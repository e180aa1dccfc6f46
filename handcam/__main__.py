import sys

from handcam.cli import main

sys.exit(main())
