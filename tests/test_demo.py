import hashlib

import pandas as pd

from csmlib.demo import GROUND_TRUTH, WAVES, write_demo


def _digest(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".xlsx"
    }


def test_demo_is_deterministic(tmp_path, demo_root):
    write_demo(tmp_path)
    assert _digest(tmp_path / "data") == _digest(demo_root / "data")
    assert _digest(tmp_path / "params") == _digest(demo_root / "params")
    a = pd.read_excel(tmp_path / "data/demo/responses_2026Q1.xlsx", engine="calamine")
    b = pd.read_excel(demo_root / "data/demo/responses_2026Q1.xlsx", engine="calamine")
    pd.testing.assert_frame_equal(a, b)


def test_committed_params_match_the_generator(demo_root):
    from tests.conftest import REPO

    for path in (demo_root / "params").glob("*.yaml"):
        assert (REPO / "params" / path.name).read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), path.name


def test_demo_shape(demo_root):
    for wave, *_ in WAVES:
        suffix = "xlsx" if wave == "2026Q1" else "csv"
        path = demo_root / "data" / "demo" / f"responses_{wave}.{suffix}"
        frame = pd.read_excel(path, engine="calamine") if suffix == "xlsx" else pd.read_csv(path)
        assert 1400 <= len(frame) <= 1600
        log = pd.read_csv(demo_root / "data" / "demo" / f"complaints_{wave}.csv")
        assert 200 <= len(log) <= 400
        for field in (
            "id",
            "received",
            "acknowledged",
            "closed",
            "channel",
            "category",
            "product",
            "severity",
            "department",
            "status",
            "outcome",
            "remedy",
            "root_cause",
            "handling_sat",
        ):
            assert field in log.columns
    assert (demo_root / "data" / "demo" / "GROUND_TRUTH.md").read_text(encoding="utf-8").count("- **") >= 6
    assert GROUND_TRUTH["driver_order"][0] == "del_speed"
