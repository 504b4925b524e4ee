"""One file per model. Each loads packaged weights once, takes a batch, returns typed results.

Models import nothing from the rest of EdControl except ``edcontrol.models.types``; no file I/O
beyond loading their own weights, no globals.
"""
