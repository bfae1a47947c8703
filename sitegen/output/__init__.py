"""Writing the site safely: only sitegen's own files, all or nothing, one build at a time.

Flows in: the files a build made (path to bytes) and the output folder. Flows out: the folder
updated, and the record of what sitegen wrote there.
"""
