"""Stage 1, frames in: cameras, video files, image folders and a fake; the capture thread
with its latest-frame-wins mailbox; image files; the change gate that says where a frame moved."""
