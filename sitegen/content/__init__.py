"""Reading the inputs: articles (front matter, Markdown to text and HTML) and editor's judgements.

Flows in: the files of ``content/``. Flows out: ``Article`` and ``Judgement`` values, and the
errors and warnings of files that cannot be read. Imports nothing of the later stages.
"""
