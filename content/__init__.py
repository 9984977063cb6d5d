"""Course packs: the shipped YAML packs and the code that loads, imports and checks them.

``loader.load_pack`` reads a pack into ``bot.core.pack.CoursePack``; ``importer`` turns a Markdown Q&A
document into a pack; ``checker`` reports every problem of a pack at once (``studybot content check``).
The schema rules live in ``content.schema`` so the loader and the checker never disagree.
"""
