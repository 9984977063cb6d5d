"""StudyBot: a study companion for university courses on Discord, Slack and the console."""

__version__ = "0.1.0"
