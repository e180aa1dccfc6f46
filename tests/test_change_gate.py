import numpy as np

from handcam.capture.change_gate import ChangeGate, thumbnail


def scene(shift=0, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)
    import cv2

    big = cv2.resize(base, (680, 520), interpolation=cv2.INTER_NEAREST)
    big = cv2.GaussianBlur(big, (9, 9), 0)
    return np.ascontiguousarray(big[20 + shift : 500 + shift, 20 + shift : 660 + shift])


def test_a_still_or_shaking_scene_has_not_changed():
    gate = ChangeGate()
    assert gate.changed(thumbnail(scene()))  # no reference yet
    gate.set_reference(thumbnail(scene()))
    assert not gate.changed(thumbnail(scene()))
    assert not gate.changed(thumbnail(scene(shift=6)))  # a camera shake of 6 px


def test_a_new_object_is_a_change_unless_it_is_ignored():
    gate = ChangeGate()
    gate.set_reference(thumbnail(scene()))
    img = scene().copy()
    img[200:400, 300:460] = (230, 190, 160)  # something hand-sized comes in
    assert gate.changed(thumbnail(img))
    assert not gate.changed(thumbnail(img), ignore=[(280, 180, 480, 420)], size=(640, 480))
    gate.set_reference(None)
    assert not gate.has_reference and gate.changed(thumbnail(img))


def test_blobs_say_where_it_changed():
    gate = ChangeGate()
    gate.set_reference(thumbnail(scene()))
    img = scene().copy()
    img[200:400, 300:460] = (230, 190, 160)
    (x0, y0, x1, y1), *rest = gate.blobs(thumbnail(img), (640, 480))
    assert 260 <= x0 <= 300 and 460 <= x1 <= 500 and 180 <= y0 <= 200 and 400 <= y1 <= 420
    assert gate.blobs(thumbnail(scene()), (640, 480)) == []
