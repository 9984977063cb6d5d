"""The core's ports built on libraries: embedder, embedding cache, scheduler, HTTP server, logging, FSRS."""
