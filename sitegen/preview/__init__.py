"""``sitegen serve``: the live preview. Watches the inputs, rebuilds through the incremental
layer, serves the output folder and reloads open pages.

Uses every stage and the incremental layer; nothing in the pipeline imports it.
"""
