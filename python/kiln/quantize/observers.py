"""Observers: each watches one activation over the calibration samples and turns what it saw
into a range [lo, hi] to quantize. Methods: "minmax", "percentile", "entropy" (KL divergence)."""
import numpy as np


class MinMaxObserver:
    """The smallest and largest value seen over all samples."""

    def __init__(self):
        self.lo, self.hi = np.inf, -np.inf

    def observe(self, values):
        values = np.asarray(values)
        if values.size:
            self.lo = min(self.lo, float(values.min()))
            self.hi = max(self.hi, float(values.max()))

    def seen(self):
        return bool(self.lo <= self.hi)

    def range(self):
        return self.lo, self.hi


class Histogram:
    """A histogram over [-m, m] with `bins` (even) equal bins, m the largest |value| seen
    rounded up to a power-of-two multiple of the first one. When a larger value arrives, m
    doubles as often as needed and adjacent bins merge pairwise: exact, no re-estimation."""

    def __init__(self, bins=8192):
        if bins < 4 or bins % 2:
            raise ValueError(f"kiln.quantize: histogram bins must be even and >= 4, not {bins}")
        self.bins = bins
        self.counts = np.zeros(bins, np.int64)
        self.m = 0.0
        self.minmax = MinMaxObserver()

    def _grow(self, absmax):
        if self.m == 0.0:
            self.m = absmax
            return
        half = self.bins // 2
        while self.m < absmax:
            neg, pos = self.counts[:half], self.counts[half:]
            # pairs merge towards 0 on each side: [-m, 0) and [0, m) keep their own halves
            neg = neg.reshape(-1, 2).sum(1)
            pos = pos.reshape(-1, 2).sum(1)
            quarter = half // 2
            self.counts = np.concatenate([np.zeros(quarter, np.int64), neg, pos,
                                          np.zeros(quarter, np.int64)])
            self.m *= 2.0

    def observe(self, values):
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        if not values.size:
            return
        self.minmax.observe(values)
        absmax = max(abs(self.minmax.lo), abs(self.minmax.hi))
        if absmax == 0.0:
            absmax = 1e-30  # all zeros so far: any tiny range holds them
        if absmax > self.m:
            self._grow(absmax)
        width = 2.0 * self.m / self.bins
        index = np.floor((values.astype(np.float64) + self.m) / width).astype(np.int64)
        np.clip(index, 0, self.bins - 1, out=index)
        self.counts += np.bincount(index, minlength=self.bins)

    def seen(self):
        return self.minmax.seen()

    def edges(self):
        return np.linspace(-self.m, self.m, self.bins + 1)

    def folded(self):
        """The histogram of |x|: bins over [0, m], bins/2 of them."""
        half = self.bins // 2
        return self.counts[half:] + self.counts[:half][::-1]


class PercentileObserver(Histogram):
    """The range holding the central `percentile` % of all values: [q(100 - p), q(p)],
    read off the histogram (linear inside a bin), never beyond the values seen."""

    def __init__(self, percentile=99.99, bins=8192):
        super().__init__(bins)
        if not 50.0 < percentile <= 100.0:
            raise ValueError(f"kiln.quantize: percentile must be in (50, 100], not {percentile}")
        self.percentile = float(percentile)

    def _quantile(self, q):
        cdf = np.cumsum(self.counts, dtype=np.float64)
        target = q * cdf[-1]
        i = int(np.searchsorted(cdf, target, side="left"))
        i = min(i, self.bins - 1)
        before = cdf[i - 1] if i else 0.0
        inside = self.counts[i]
        frac = (target - before) / inside if inside else 0.0
        edges = self.edges()
        return float(edges[i] + frac * (edges[i + 1] - edges[i]))

    def range(self):
        lo = max(self._quantile(1.0 - self.percentile / 100.0), self.minmax.lo)
        hi = min(self._quantile(self.percentile / 100.0), self.minmax.hi)
        return lo, hi


def kl_threshold(hist, levels, max_clip=0.01):
    """TensorRT-style calibration: the threshold (in bins of `hist`, a histogram of |x| from 0)
    whose clipped-and-quantized distribution Q is closest to the clipped reference P in KL
    divergence. P folds the clipped tail into its last bin; Q merges the unclipped bins into
    `levels` groups and spreads each group's mass over the bins where P is non-zero.
    Thresholds that clip more than `max_clip` of the values are not tried: a distribution far
    from 0 (e.g. after a global average pool) would otherwise collapse into one bin at zero
    divergence."""
    hist = np.asarray(hist, np.float64)
    n = len(hist)
    nonzero = np.nonzero(hist)[0]
    if not len(nonzero):
        return n
    last = int(nonzero[-1]) + 1
    if last <= levels:
        return last  # fewer occupied bins than levels: no clipping needed
    suffix = np.cumsum(hist[::-1])[::-1]  # suffix[i] = mass of bins >= i
    allowed = np.nonzero(suffix <= max_clip * suffix[0])[0]
    start = max(levels, int(allowed[0]) if len(allowed) else last)
    best, best_kl = last, np.inf
    for i in range(start, last + 1):
        p = hist[:i].copy()
        if i < n:
            p[i - 1] += suffix[i]
        # Q: the unclipped bins in `levels` groups, each group's mass spread evenly over the
        # bins where P is non-zero; the clipped tail is what Q lacks
        group = (np.arange(i) * levels) // i
        nz = p > 0
        mass = np.bincount(group, weights=hist[:i], minlength=levels)
        slots = np.bincount(group, weights=nz, minlength=levels)
        q = np.where(nz, mass[group] / np.maximum(slots[group], 1), 0.0)
        if q.sum() == 0:
            continue  # every value clipped
        p /= p.sum()
        q /= q.sum()
        q = np.where(nz & (q == 0), 1e-12, q)  # smoothing: finite but heavy penalty
        kl = float(np.sum(p[nz] * np.log(p[nz] / q[nz])))
        if kl < best_kl:
            best, best_kl = i, kl
    return best


class EntropyObserver(Histogram):
    """TensorRT-style KL-divergence threshold on the histogram of |x| (at most `search_bins`
    bins after merging): the range is [-T, T] clipped to the values seen. A non-negative
    activation (e.g. after Relu) is quantized over 255 levels, a signed one over 128 per side."""

    def __init__(self, bins=8192, search_bins=2048):
        super().__init__(bins)
        self.search_bins = search_bins

    def range(self):
        folded = self.folded()
        nonzero = np.nonzero(folded)[0]
        if not len(nonzero):
            return self.minmax.range()
        used = folded[:int(nonzero[-1]) + 1]
        width = self.m / len(folded)
        while len(used) > self.search_bins:  # merge pairs: exact, fewer thresholds to try
            if len(used) % 2:
                used = np.append(used, 0)
            used = used.reshape(-1, 2).sum(1)
            width *= 2.0
        levels = 255 if self.minmax.lo >= 0 else 128
        threshold = kl_threshold(used, levels) * width
        return max(-threshold, self.minmax.lo), min(threshold, self.minmax.hi)


METHODS = ("minmax", "percentile", "entropy")


def make_observer(method, percentile=99.99, bins=8192):
    """A new observer for `method` ("minmax", "percentile" or "entropy")."""
    if method == "minmax":
        return MinMaxObserver()
    if method == "percentile":
        return PercentileObserver(percentile, bins)
    if method == "entropy":
        return EntropyObserver(bins)
    raise ValueError(f"kiln.quantize: unknown calibration method {method!r} "
                     f"(methods: {', '.join(METHODS)})")
