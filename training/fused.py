"""Many training steps per call to the device, so that Python runs once per group of
batches instead of once per batch, for landmark models (the MLP's steps take
microseconds on a GPU; Python's dispatch of each one takes longer than the step).
Models with crops train one step per call: their steps are long enough.

- JAX: Keras's own ``train_step`` run by ``jax.lax.scan`` over a group of batches in one
  compiled call, the group stacked on the device.
- TensorFlow: Keras's ``steps_per_execution`` (a loop inside the compiled graph).
- PyTorch: one step per call (Keras allows no other; PyTorch runs eagerly anyway).

``HANDCAM_FUSED_STEPS``: ``auto`` (default: on a GPU, and under TensorFlow on a CPU too,
where the same updates take a fifth to a third less time), ``1`` (always), ``0`` (never).
"""

from __future__ import annotations

import os

import numpy as np

FUSED_ENV = "HANDCAM_FUSED_STEPS"
MAX_GROUP_BYTES = 64 << 20  # the training data of one call, on the device at once


def wanted(gpu: bool, backend: str = "") -> bool:
    """Whether to group steps: ``HANDCAM_FUSED_STEPS``, else on a GPU or under TensorFlow
    (JAX's scanned loop on a CPU is not measured)."""
    value = os.environ.get(FUSED_ENV, "auto").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    return gpu or backend == "tensorflow"


def steps_per_call(batches, gpu: bool) -> int:
    """How many batches one call trains on: the whole epoch where its data fits
    ``MAX_GROUP_BYTES`` on the device, else equal groups of it; 1 when not fused."""
    import keras

    backend = keras.config.backend()
    if not wanted(gpu, backend) or backend not in ("jax", "tensorflow"):
        return 1
    steps = len(batches)
    x, y, w = batches[0]
    if "crop" in x:  # a CNN's step is long enough to hide Python's dispatch; and XLA
        return 1  # on a CPU ran convolutions 15x slower inside a scanned loop

    size = sum(np.asarray(v).nbytes for v in (*x.values(), y, w))
    most = max(1, MAX_GROUP_BYTES // max(size, 1))
    groups = -(-steps // most)
    return max(1, -(-steps // groups))


def install(model, steps: int) -> bool:
    """After ``model.compile(steps_per_execution=steps)``: under JAX, make one call run
    ``steps`` training steps on the device. Returns whether it did."""
    import keras

    if steps <= 1 or keras.config.backend() != "jax":
        return False
    import jax
    import jax.numpy as jnp

    step = type(model).train_step

    def run(state, data):
        def body(carry, batch):
            logs, carry = step(model, carry, batch)
            return carry, logs

        state, logs = jax.lax.scan(body, state, data)
        return jax.tree_util.tree_map(lambda v: v[-1], logs), state

    compiled = jax.jit(run, donate_argnums=0)

    def train_function(state, iterator):
        group = []
        for _ in range(steps):
            try:
                group.append(next(iterator))
            except StopIteration:
                break
        if not group:
            raise StopIteration
        data = jax.tree_util.tree_map(lambda *v: jnp.stack(v), *group)
        return compiled(state, data)

    model.train_function = train_function  # Keras's fit calls it with (state, iterator)
    return True


def graph_epoch(rows: int, batch: int) -> int:
    """``steps_per_execution`` for a small network fitted on arrays of ``rows`` (the motion
    networks, the calibration's adaptation): a whole epoch in one call to TensorFlow's
    graph; 1 on other backends and under ``HANDCAM_FUSED_STEPS=0``."""
    import keras

    backend = keras.config.backend()
    if backend != "tensorflow" or not wanted(False, backend):
        return 1
    return max(1, -(-rows // batch))
