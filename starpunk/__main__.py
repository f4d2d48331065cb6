"""``python -m starpunk`` runs the command line."""

from starpunk.cli import main

if __name__ == "__main__":
    main()
