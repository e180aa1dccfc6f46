"""Augmentation fitting each input. Landmarks: small 3-D rotations, anisotropic scale and
jitter, then the same normalisation as the app. Crops: Keras layers inside the model.
No mirroring: left hands are already mirrored to right ones, and a mirror could change
a sign's meaning."""

from __future__ import annotations

import math


def augment_landmarks(
    batch, rotate_deg=15.0, tilt_deg=20.0, scale=0.1, jitter=0.01, mirror_prob=0.0
):
    """TF op: augment a (B, 63) batch of normalised landmarks, renormalised after.

    ``mirror_prob`` flips x for that share of the batch. Landmark indices are anatomical,
    so a mirrored hand keeps its finger identities: it is the same sign made with the
    other hand. This makes a model immune to MediaPipe getting the handedness wrong.
    """
    import tensorflow as tf

    pts = tf.reshape(batch, (-1, 21, 3))
    b = tf.shape(pts)[0]

    def angle(deg):
        return tf.random.uniform((b,), -1.0, 1.0) * (deg * math.pi / 180.0)

    def rot(axis, a):
        c, s = tf.cos(a), tf.sin(a)
        one, zero = tf.ones_like(a), tf.zeros_like(a)
        if axis == "z":
            m = [[c, -s, zero], [s, c, zero], [zero, zero, one]]
        elif axis == "y":
            m = [[c, zero, s], [zero, one, zero], [-s, zero, c]]
        else:
            m = [[one, zero, zero], [zero, c, -s], [zero, s, c]]
        return tf.transpose(tf.stack([tf.stack(row) for row in m]), (2, 0, 1))  # (B,3,3)

    r = rot("z", angle(rotate_deg)) @ rot("y", angle(tilt_deg)) @ rot("x", angle(tilt_deg))
    pts = tf.einsum("bij,bnj->bni", r, pts)
    sxy = 1.0 + tf.random.uniform((b, 1, 3), -scale, scale)
    pts = pts * sxy + tf.random.normal(tf.shape(pts), stddev=jitter)
    if mirror_prob > 0:
        flip = tf.where(tf.random.uniform((b, 1, 1)) < mirror_prob, -1.0, 1.0)
        pts = tf.concat([pts[:, :, :1] * flip, pts[:, :, 1:]], axis=-1)
    pts = pts - pts[:, :1, :]
    norm = tf.reduce_max(tf.norm(pts[:, :, :2], axis=-1), axis=1)
    pts = pts / tf.maximum(norm, 1e-6)[:, None, None]
    return tf.reshape(pts, (-1, 63))


def crop_augmentation_layers(strength: float = 1.0) -> list:
    """Keras layers that augment (S, S, 3) crops in 0..255 while training only."""
    import keras

    return [
        keras.layers.RandomRotation(0.05 * strength, fill_mode="nearest"),
        keras.layers.RandomZoom(0.12 * strength, fill_mode="nearest"),
        keras.layers.RandomTranslation(0.06 * strength, 0.06 * strength, fill_mode="nearest"),
        keras.layers.RandomBrightness(0.25 * strength, value_range=(0, 255)),
        keras.layers.RandomContrast(0.25 * strength),
    ]
