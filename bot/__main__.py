"""``python -m bot``: the ``studybot`` command (bot/cli), nothing else."""

from bot.cli import main

if __name__ == "__main__":
    main()
