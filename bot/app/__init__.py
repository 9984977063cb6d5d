"""The composition root: settings, building the core and its features, the platform registry, start-up and shutdown."""
