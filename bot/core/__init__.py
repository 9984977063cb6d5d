"""Platform-free logic. Imports only the standard library, numpy and itself (a test enforces it)."""
