"""``sitegen check``: a built site is whole (links, files, search index) before it is published.

Flows in: an output folder. Flows out: the problems found. Reads only what a build wrote.
"""
