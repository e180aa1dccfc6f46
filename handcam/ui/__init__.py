"""The Qt layer: a thin GUI over the core. Nothing outside ``handcam.ui`` imports Qt."""
