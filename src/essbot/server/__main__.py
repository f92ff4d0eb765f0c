"""`python -m essbot.server [--port N] [--index DIR]`: the same as `essbot serve`."""

from __future__ import annotations

import sys

from essbot.cli import main
from essbot.server.commands import serve

if __name__ == "__main__":
    if serve.name not in main.commands:
        main.add_command(serve)
    main(args=["serve", *sys.argv[1:]], prog_name="python -m essbot.server")
