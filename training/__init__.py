"""Training: builds and evaluates handcam model bundles from labelled image folders.

May import the ``handcam`` core; the core never imports this package.
"""
