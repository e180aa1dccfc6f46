"""Measuring tools: benchmarks that print figures and the test sets they need (composite
videos, re-posed hands, non-sign shapes). Run from a checkout with ``python -m
benchmarks.NAME``; not installed with the app. They may import ``handcam``, ``training``
and ``tools``; nothing installed imports them."""
