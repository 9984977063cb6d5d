"""Daily quizzes, points, leaderboards, schedules and spaced-repetition practice (platform-free).

Storage, the job scheduler and the spaced-repetition algorithm reach this package only through the
Protocols in :mod:`bot.core.quiz.ports`; the composition root builds their implementations.
"""
