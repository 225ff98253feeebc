"""``python -m rag …`` is the ``rag`` command."""

import sys

from rag.ui.cli import main

sys.exit(main())
