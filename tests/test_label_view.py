"""tools.label_view: a dataset under other labels, as links with its signers."""

import csv

from tools.label_view import main


def test_a_view_links_renamed_kept_and_dropped_labels_with_their_signers(tmp_path):
    src = tmp_path / "src"
    rows = []
    for label in "IJZA":
        (src / label).mkdir(parents=True)
        for i in range(2):
            (src / label / f"p{i}.jpg").write_bytes(b"\xff\xd8\xff" + label.encode())
            rows.append((f"{label}/p{i}.jpg", label, f"P{i}"))
    with open(src / "signers.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([("path", "label", "signer"), *rows])
    out = tmp_path / "view"
    assert main([str(src), "--out", str(out), "--map", "J=I", "--drop", "Z"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["A", "I", "signers.csv"]
    linked = sorted(p.name for p in (out / "I").iterdir())
    assert linked == ["J_p0.jpg", "J_p1.jpg", "p0.jpg", "p1.jpg"]  # J's photos folded into I
    assert all(p.is_symlink() for p in (out / "I").iterdir())
    assert (out / "I" / "J_p0.jpg").read_bytes().endswith(b"J")
    with open(out / "signers.csv", newline="") as fh:
        got = {r["path"]: (r["label"], r["signer"]) for r in csv.DictReader(fh)}
    assert got["I/J_p1.jpg"] == ("I", "P1") and "Z/p0.jpg" not in got
    other = tmp_path / "v2"
    assert main([str(src), "--out", str(other), "--keep", "A"]) == 0
    assert sorted(p.name for p in other.iterdir()) == ["A", "signers.csv"]
