"""The website's files: pages rendered from templates, exports, redirects, the search index.

Flows in: the linked ``Site`` (after ``reference``), the settings and templates. Flows out: a
mapping of site path to bytes; nothing is written here (see ``output``).
"""
