"""Platform translators: one package per platform, each exposing one ``PLATFORM_ENTRY`` (contract.py)."""
