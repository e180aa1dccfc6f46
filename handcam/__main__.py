import sys

from handcam.cli.main import main

sys.exit(main())
