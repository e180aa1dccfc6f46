"""handcam: read sign-language digits and letters from a webcam in real time.

The core (everything outside ``handcam.ui``) imports no Qt and loads TensorFlow and
MediaPipe lazily, so ``import handcam`` and ``handcam --help`` stay fast.
"""

__version__ = "0.1.0"
