"""`python -m essbot.ui [--host H] [--port P] [--index DIR]`: the same as `essbot ui`."""

from essbot.ui.commands import ui

if __name__ == "__main__":
    ui(prog_name="essbot ui")
