"""Course documents the upload tests send through every adapter."""

from __future__ import annotations

ROBOTICS = """# Robotics 101

Dr. Ada, 2026

# 1.1 What is a servo motor?

A motor with position feedback, so it turns to a commanded angle.

# 1.2 What does a PID controller do?

It corrects an error from its present, past and predicted values.

# 1.3 What is odometry?

Estimating position from wheel rotations.
"""
# Item 1.1 numbered twice: the checker names the line (5) of the second one.
DUPLICATE_ITEM = b"# Robotics 101\n\n# 1.1 What is a servo?\n\n# 1.1 What is a servo?\n\nA motor.\n"
EMPTY_QUESTION_YAML = b"title: X\nquestions:\n  - id: '1'\n    question: ''\n"  # line 4
