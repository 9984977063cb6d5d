"""Contested grades: a student disputes a grade, the course staff review it, and the decision changes the
answer's verdict and points (leaderboards and streaks follow). Answers the grader could not decide wait
in the same queue."""
