"""kiln.quantize's calibration methods on synthetic distributions with known answers."""
import numpy as np
import pytest

from kiln.quantize import observers
from kiln.quantize.observers import Histogram, kl_threshold, make_observer


def _feed(obs, values, chunks=10):
    for chunk in np.array_split(values, chunks):
        obs.observe(chunk)
    return obs.range()


@pytest.fixture(scope="module")
def gaussian_with_outliers():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(1_000_000).astype(np.float32)
    x[:20], x[20:40] = 50.0, -50.0  # 0.004 % outliers at 50 sigma
    return x


def test_minmax_is_exact(gaussian_with_outliers):
    assert _feed(make_observer("minmax"), gaussian_with_outliers) == (-50.0, 50.0)


def test_uniform_all_methods_keep_the_range():
    u = np.random.default_rng(1).random(1_000_000).astype(np.float32)  # [0, 1)
    lo, hi = _feed(make_observer("minmax"), u)
    assert lo >= 0 and hi == pytest.approx(1.0, abs=1e-5)
    lo, hi = _feed(make_observer("percentile", percentile=99.9), u)
    assert lo == pytest.approx(0.001, abs=2e-4) and hi == pytest.approx(0.999, abs=2e-4)
    lo, hi = _feed(make_observer("entropy"), u)
    assert hi > 0.97  # no outliers: KL keeps (almost) the full range


def test_entropy_far_from_zero_does_not_collapse():
    """Values in [1, 2) (e.g. after a global average pool): clipping everything into the first
    occupied bin has zero divergence; at most 1 % of the values may be clipped."""
    u = 1.0 + np.random.default_rng(3).random(128).astype(np.float32)
    lo, hi = _feed(make_observer("entropy"), u, chunks=16)
    assert hi >= np.quantile(u, 0.99) - 0.01 and lo == u.min()


def test_percentile_clips_outliers(gaussian_with_outliers):
    lo, hi = _feed(make_observer("percentile", percentile=99.99), gaussian_with_outliers)
    # N(0, 1) quantiles at 0.01 % / 99.99 %: -/+3.719
    assert hi == pytest.approx(3.719, abs=0.08) and lo == pytest.approx(-3.719, abs=0.08)
    lo, hi = _feed(make_observer("percentile", percentile=99.0), gaussian_with_outliers)
    assert hi == pytest.approx(2.326, abs=0.05) and lo == pytest.approx(-2.326, abs=0.05)


def test_entropy_clips_outliers(gaussian_with_outliers):
    lo, hi = _feed(make_observer("entropy"), gaussian_with_outliers)
    assert 2.5 < hi < 8.0 and lo == -hi
    relu = np.maximum(gaussian_with_outliers, 0)
    lo, hi = _feed(make_observer("entropy"), relu)
    assert lo == 0.0 and 2.5 < hi < 8.0


def test_histogram_growth_is_exact():
    """Values first small, then up to 8x larger: the merged histogram equals one built on the
    final range directly."""
    rng = np.random.default_rng(2)
    a = rng.uniform(-1, 1, 10000).astype(np.float32)
    b = rng.uniform(-8, 8, 10000).astype(np.float32)
    grown = Histogram(64)
    grown.observe(np.array([-1.0], np.float32))  # (+1.0 would sit on an edge of [-1, 1])
    grown.observe(a)
    grown.observe(b)
    assert grown.m == 8.0
    direct = np.histogram(np.concatenate([[-1.0], a, b]), bins=64, range=(-8, 8))[0]
    np.testing.assert_array_equal(grown.counts, direct)
    assert grown.counts.sum() == 20001


def test_kl_threshold_clips_a_tail_and_keeps_a_flat_bulk():
    """|x| of N(0, 1) at 100 bins per sigma plus a far outlier bin: the threshold falls in the
    tail (2.5 to 6 sigma), far below the outlier. A flat bulk with one far bin is expressed
    exactly by Q (empty bins cost nothing): no clipping."""
    centers = np.arange(2048) + 0.5
    hist = np.round(1e6 * np.exp(-0.5 * (centers / 100.0) ** 2))
    hist[2000] = 5.0
    t = kl_threshold(hist, 128)
    assert 250 <= t <= 600
    flat = np.zeros(2048)
    flat[:400] = 1000.0
    flat[2000] = 1.0
    assert kl_threshold(flat, 128) == 2001
    hist = np.zeros(2048)
    hist[:100] = 5.0  # fewer occupied bins than levels: no clipping
    assert kl_threshold(hist, 128) == 100


def test_unknown_method_and_bad_percentile():
    with pytest.raises(ValueError, match="unknown calibration method 'kl'"):
        make_observer("kl")
    with pytest.raises(ValueError, match="percentile"):
        make_observer("percentile", percentile=120)
    assert observers.METHODS == ("minmax", "percentile", "entropy")
