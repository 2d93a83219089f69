"""python -m mock_server: the same as the sign8-mock command."""
from .cli import main

raise SystemExit(main())
