"""Writing the site safely: only sitegen's own files, all or nothing, one build at a time.

Flows in: the files a build made (path to bytes, held in memory or in the build's spool
beside the output folder) and the output folder. Flows out: the folder updated, and the
record of what sitegen wrote there.
"""
