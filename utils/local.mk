# utils/: command-line tools.
