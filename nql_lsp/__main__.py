import sys

from nql_lsp.cli.app import main

sys.exit(main())
