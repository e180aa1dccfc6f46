"""The Qt-free recognition loop that the window, `handcam predict`, `handcam bench` and the
soak share: the per-frame pipeline, the one assembly of a model's pipeline, the session that
owns sources and models, and the JSON records it writes."""
