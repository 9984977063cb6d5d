"""Test helpers shared by the test tree (fake platforms, process helpers, quiz fixtures)."""
