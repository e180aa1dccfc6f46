"""Exceptions with messages meant for people, raised by the core."""


class HandcamError(Exception):
    """Base class: the message is shown to the user as it is."""


class SourceError(HandcamError):
    """A camera, video or image folder could not be opened or read."""


class ImageReadError(HandcamError):
    """An image file is missing, corrupt or not an image."""


class BundleError(HandcamError):
    """A model bundle is missing, incomplete, or does not fit the runtime."""


class LabelError(HandcamError):
    """A label cannot be used as a class name or folder name."""


class StorageError(HandcamError):
    """A sample or model could not be written (disk full, permissions...)."""
