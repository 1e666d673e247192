"""kiln.autotune: the autotuner's parts (workloads and their spaces, features, the CPU runner, the
tuning database, cost models, the search) for experiments, over the same C++ as kiln-tune.

    from kiln import autotune as at
    w = at.Workload.parse("matmul:128,768,768")       # the specs of kiln-tune --workload
    space = w.space                                   # knobs, default, random_configs, to/from dict
    x = at.features(w, space.random_configs(32, seed=1))   # float32 [32, FEATURE_LENGTH]
    db = at.search(w, "tune.jsonl", trials=64)        # the real tuner; returns the Database
    model = at.CostModel("xgb").fit(db)               # or fit(features, throughputs, groups)
    at.pairwise_accuracy(model.predict(x), measured)

Configs are tuples of value indices, one per knob (``space.to_dict`` gives the knob values);
wherever configs are taken, dicts {knob: value} work too, and ``()`` is the default heuristics.
Every failure raises kiln.TuneError with the tuner's message.
"""
import collections
import os
import sys
import tempfile
import warnings

import numpy as np

from . import _kiln
from .compiler import DEFAULT_CPU
from .errors import TuneError, TuneWarning

_tune = _kiln.tune

#: version of the feature layout; records of other versions are left out of training sets
FEATURE_VERSION = _tune.FEATURE_VERSION
#: values per feature row
FEATURE_LENGTH = _tune.FEATURE_LENGTH
#: the name of each feature, in row order
FEATURE_NAMES = tuple(_tune.FEATURE_NAMES)
#: the tuning-record format version
RECORD_FORMAT_VERSION = _tune.RECORD_FORMAT_VERSION
#: names CostModel and search accept
COST_MODELS = tuple(_tune.COST_MODELS)
SEARCH_STRATEGIES = tuple(_tune.SEARCH_STRATEGIES)

#: one tuning record (a line of a jsonl database): workload (key), spec, target,
#: feature_version, knobs {name: value}, seconds, gflops, error, noise, time, features
#: (float32 array or None), ok, throughput, to_dict(), to_json(), Record.from_dict/from_json
Record = _tune.Record
#: one measured config: config, seconds, gflops, noise, error, ok
Measurement = _tune.Measurement

Knob = collections.namedtuple("Knob", "name values")


def target_key(cpu=DEFAULT_CPU):
    """The target key of records measured on `cpu`: "cpu/" + its resolved name ("host" is this
    machine's CPU, e.g. "cpu/znver3"), as kiln-tune writes and kiln.compile looks up."""
    return _tune.target_key(cpu)


class Space:
    """The knobs of a workload: every combination of values is a valid schedule."""

    def __init__(self, knobs, default):
        self.knobs = [Knob(name, tuple(values)) for name, values in knobs]
        #: the config of the default schedule, or None when the space has no such point
        self.default = default
        self._native = None

    @property
    def size(self):
        """Number of configs."""
        n = 1
        for k in self.knobs:
            n *= len(k.values)
        return n

    def to_dict(self, config):
        """{knob name: value} of a config (value indices)."""
        config = tuple(config)
        if len(config) != len(self.knobs):
            raise TuneError(f"config {list(config)} has {len(config)} indices, the space "
                            f"{len(self.knobs)} knobs")
        try:
            return {k.name: k.values[i] for k, i in zip(self.knobs, config)}
        except IndexError:
            raise TuneError(f"config {list(config)} is out of the space's range") from None

    def from_dict(self, values):
        """The config picking these knob values; TuneError when a knob is missing or a value
        is not in the space. Extra names are ignored."""
        config = []
        for k in self.knobs:
            if k.name not in values:
                raise TuneError(f"config {values} has no value for knob '{k.name}'")
            try:
                config.append(k.values.index(int(values[k.name])))
            except ValueError:
                raise TuneError(f"knob '{k.name}' has no value {values[k.name]} "
                                f"(values: {list(k.values)})") from None
        return tuple(config)

    def config_at(self, index):
        """The config with linear index `index` in [0, size) (the last knob varies fastest)."""
        if not 0 <= index < self.size:
            raise TuneError(f"config index {index} is out of [0, {self.size})")
        config = []
        for k in reversed(self.knobs):
            index, i = divmod(index, len(k.values))
            config.append(i)
        return tuple(reversed(config))

    def random_configs(self, n, seed=0):
        """`n` distinct configs drawn uniformly with the tuner's seeded generator (fewer when
        the space is smaller)."""
        return [tuple(c) for c in self._native.random_configs(int(n), int(seed))]

    def __repr__(self):
        knobs = ", ".join(f"{k.name}={list(k.values)}" for k in self.knobs)
        return f"Space({self.size} configs: {knobs})"


class Workload:
    """One kernel as a tuning task. From a spec (`Workload.parse`) or a model (`workloads_of`).

    key: the hash records are filed under; spec: readable ("matmul:128x768x768 f32"); kind;
    flops; loop_ranges; occurrences (how often the model runs it: the task weight); space.
    """

    def __init__(self, native):
        self._native = native
        self.space = Space(native.knobs, _tuple_or_none(native.default_config))
        self.space._native = native

    @classmethod
    def parse(cls, spec):
        """The workload of a kiln-tune --workload spec: ``matmul:M,N,K``,
        ``batch_matmul:B,M,N,K`` or ``conv2d:N,C,H,W,K,R,S,stride,pad`` (NCHW terms, as in
        ONNX)."""
        return cls(_tune.parse_workload(str(spec)))

    key = property(lambda self: self._native.key)
    spec = property(lambda self: self._native.spec)
    kind = property(lambda self: self._native.kind)
    flops = property(lambda self: self._native.flops)
    loop_ranges = property(lambda self: tuple(self._native.loop_ranges))
    occurrences = property(lambda self: self._native.occurrences)

    def __repr__(self):
        return (f"Workload({self.spec!r}, key={self.key!r}, occurrences={self.occurrences}, "
                f"{self.space.size} configs)")


def _tuple_or_none(config):
    return None if config is None else tuple(config)


def workloads_of(model, all_kernels=False):
    """The distinct tunable workloads of an ONNX model (a path or an onnx.ModelProto) with their
    occurrence counts (task extraction, as kiln-tune does). `all_kernels`: elementwise and
    reduction kernels too."""
    if hasattr(model, "SerializeToString") and hasattr(model, "graph"):
        with tempfile.TemporaryDirectory(prefix="kiln-tune-") as tmp:
            path = os.path.join(tmp, "model.onnx")
            with open(path, "wb") as f:
                f.write(model.SerializeToString())
            return workloads_of(path, all_kernels)
    return [Workload(n) for n in _tune.workloads_of(os.fspath(model), bool(all_kernels))]


def space(workload):
    """The search space of a workload (also `workload.space`)."""
    return _workload(workload).space


def default_config(workload):
    """The config of the workload's default schedule, or None."""
    return _workload(workload).space.default


def random_configs(workload, n, seed=0):
    """`n` distinct random configs of the workload's space."""
    return _workload(workload).space.random_configs(n, seed)


def _workload(w):
    if isinstance(w, Workload):
        return w
    if isinstance(w, str):
        return Workload.parse(w)
    raise TypeError(f"kiln.autotune: expected a Workload or a spec, not {type(w).__name__}")


def _configs(workload, configs):
    """Configs as lists of value indices: tuples/lists of ints, dicts of knob values, () for
    the default heuristics."""
    out = []
    for c in configs:
        if isinstance(c, dict):
            c = workload.space.from_dict(c)
        out.append([int(i) for i in c])
    return out


def features(workload, configs):
    """The feature rows (float32 [len(configs), FEATURE_LENGTH]) of configs of a workload, read
    from the scheduled loop nest (a few ms a config)."""
    workload = _workload(workload)
    return workload._native.features(_configs(workload, configs))


def measure(workload, configs, threads=1, cpu=DEFAULT_CPU, min_seconds=0.1, min_repeats=10,
            verify=True, db=None):
    """Builds and times configs with the CPU runner (the tuner's method: forked child, low
    quantile of interleaved rounds, outputs checked against the default schedule). Returns one
    Measurement each (a failure has `error` set). With `db` (a Database), each measurement is
    appended as a record with its features."""
    workload = _workload(workload)
    native_db = None
    if db is not None:
        native_db = db._native if isinstance(db, Database) else Database(db)._native
    return list(workload._native.measure(_configs(workload, configs), cpu, int(threads),
                                         float(min_seconds), int(min_repeats), bool(verify),
                                         native_db))


class Database:
    """A tuning database: the jsonl file at `path` (append-only, every append fsync'ed; a
    missing file is created on the first append), or in memory when `path` is None. A torn last
    line (a killed run) is skipped with a kiln.TuneWarning; other corrupt lines raise
    kiln.TuneError naming the file and line."""

    def __init__(self, path=None):
        self.path = None if path is None else os.fspath(path)
        self._native = _tune.Database(self.path or "")
        for w in self._native.warnings:
            warnings.warn(w, TuneWarning, stacklevel=2)

    def __len__(self):
        return len(self._native)

    def __iter__(self):
        return iter(self._native.records())

    def records(self, workload=None, target=None):
        """The records (of a workload: a Workload or a key; of a target), in written order."""
        key = _key(workload)
        return [r for r in self._native.records()
                if (key is None or r.workload == key) and (target is None or r.target == target)]

    def best(self, workload, target=None):
        """The fastest successful record of a workload (a Workload or a key) on `target`
        (default: the default CPU's), or None."""
        return self._native.best(_key(workload), target or target_key())

    def append(self, record):
        """Appends a Record (or its dict form) and makes it durable."""
        if isinstance(record, dict):
            record = Record.from_dict(record)
        self._native.append(record)

    def reload(self):
        """The database as it is on disk now (a new Database of the same path)."""
        return Database(self.path)

    def __repr__(self):
        return f"Database({self.path!r}, {len(self)} records)"


def _key(workload):
    if workload is None or isinstance(workload, str):
        return workload
    return workload.key


def training_set(records, feature_version=FEATURE_VERSION, include_failures=True,
                 exclude_workload=None, target=None):
    """(features float32 [n, FEATURE_LENGTH], throughputs float64 [n], groups) from records (or
    a Database) that carry features: one group per (workload, target), as the tuner trains."""
    records = list(records)
    return _tune.training_set(records, int(feature_version), bool(include_failures),
                              _key(exclude_workload) or "", target or "")


class CostModel:
    """A learned score of configs (higher = predicted faster): "xgb" (XGBoost rank:pairwise),
    "xgb-reg" (regression on throughput normalized per group) or "random"."""

    def __init__(self, kind="xgb", seed=0, rounds=60, max_depth=6, threads=1, tree_method="hist"):
        self._native = _tune.CostModel(kind, int(seed), int(rounds), int(max_depth), int(threads),
                                       tree_method)

    kind = property(lambda self: self._native.kind)
    trained = property(lambda self: self._native.trained)

    def fit(self, data, throughputs=None, groups=None):
        """Trains from scratch on records (or a Database) with features, or on a feature matrix
        [n, FEATURE_LENGTH] with throughputs [n] (higher = faster, 0 = failed) and `groups`: the
        sizes of consecutive runs of comparable rows (None = one group). Returns self."""
        if throughputs is None:
            data, throughputs, groups = training_set(data)
        self._native.fit(data, throughputs, _groups(groups))
        return self

    def predict(self, features):
        """One score (float64) per feature row; only their order means something."""
        return self._native.predict(features)

    def save(self, path):
        self._native.save(os.fspath(path))

    def load(self, path):
        """Reads a model saved by the same kind; returns self."""
        self._native.load(os.fspath(path))
        return self

    def __repr__(self):
        return f"CostModel({self.kind!r}, trained={self.trained})"


def pairwise_accuracy(scores, measured, groups=None):
    """Fraction of pairs (within each group) with distinct measured values that `scores` order
    the same way (ties count half); NaN when there is no such pair."""
    return _tune.pairwise_accuracy(np.asarray(scores, np.float64).ravel(),
                                   np.asarray(measured, np.float64).ravel(), _groups(groups))


def _groups(groups):
    return [] if groups is None else [int(g) for g in groups]


def search(workload, db, trials=64, strategy="xgb", seed=0, threads=1, batch_size=16,
           cpu=DEFAULT_CPU, scheduler="gradient", min_seconds=0.1, min_repeats=10,
           progress=True):
    """Runs the real tuning loop (kiln-tune's) on a workload, or a list of workloads from one
    `workloads_of` call, appending every measurement to the jsonl database `db` (a path or a
    Database with a path) and resuming from what it holds. `trials` counts all measurements
    (resumed ones too). `progress`: True prints kiln-tune's lines to stderr, a callable gets each
    line, False is quiet. The GIL is released while it runs; an exception raised by `progress`
    is re-raised when the search ends. Returns the Database as it is afterwards."""
    workloads = [workload] if isinstance(workload, (Workload, str)) else list(workload)
    workloads = [_workload(w) for w in workloads]
    path = db.path if isinstance(db, Database) else (None if db is None else os.fspath(db))
    if not path:
        raise TuneError("search: the database must be a jsonl file (give a path)")
    if progress is True:
        def progress(line):
            print(line, file=sys.stderr, flush=True)
    elif not progress:
        progress = None
    _tune.search([w._native for w in workloads], path, int(trials), strategy, int(seed),
                 int(threads), int(batch_size), cpu, scheduler, float(min_seconds),
                 int(min_repeats), progress)
    return Database(path)


__all__ = [
    "FEATURE_VERSION", "FEATURE_LENGTH", "FEATURE_NAMES", "RECORD_FORMAT_VERSION", "COST_MODELS",
    "SEARCH_STRATEGIES", "Workload", "Space", "Knob", "Record", "Measurement", "Database",
    "CostModel", "workloads_of", "space", "default_config", "random_configs", "features",
    "measure", "search", "training_set", "pairwise_accuracy", "target_key",
]
