"""Many courses in one bot: the catalog of courses, which one each space or channel uses, uploads.

Each space (Discord server, Slack workspace, the console) has one active course, the first of the
catalog until an admin chooses another, and a channel may override it. ``/ask``, quizzes, grading and
practice all ask the catalog for the course of the place a command came from.
"""
