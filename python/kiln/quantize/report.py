"""The per-layer report of kiln.quantize as text: error, cost, expected int8 gain, decision."""
from .costs import INT8_SPEEDUP


def _num(value, fmt):
    return format(value, fmt) if value is not None else "-"


def format_report(result):
    """A table with one row per quantized compute layer, then the model's measured error."""
    if not result.layers:
        return ""
    width = max(12, min(60, max(len(l.name) for l in result.layers)))
    head = (f"{'layer':<{width}} {'op':<7} {'kind':<11} {'SQNR dB':>8} {'MFLOP':>9} "
            f"{'fp32 ms':>9} {'est gain ms':>11}  decision")
    lines = [head, "-" * len(head)]
    for l in result.layers:
        name = l.name if len(l.name) <= width else "..." + l.name[-(width - 3):]
        lines.append(f"{name:<{width}} {l.op:<7} {l.kind:<11} {_num(l.sqnr_db, '8.1f')} "
                     f"{_num(l.mflop, '9.1f')} {_num(l.float_ms, '9.3f')} "
                     f"{_num(l.gain_ms, '11.3f')}  {l.decision}")
    speedups = ", ".join(f"{k} {v:g}x" for k, v in INT8_SPEEDUP.items())
    lines.append("(SQNR: the layer alone quantized, its output against float, on the "
                 "calibration samples; fp32 ms: kiln-run --profile, 1 thread, the steps of the "
                 f"layer's kernels; est gain: fp32 ms less an assumed int8 speed-up: {speedups})")
    if result.model_ms is not None:
        int8 = (f", the QDQ model as Kiln compiles it today {result.int8_model_ms:.2f} ms"
                if result.int8_model_ms is not None else "")
        lines.append(f"kernel time per run, 1 thread: float model {result.model_ms:.2f} ms{int8}")
    err = result.output_error
    if err:
        lines.append(f"model output vs float: rel_error {err['rel_error']:.4f}, SQNR "
                     f"{err['sqnr_db']:.1f} dB, top-1 changed {100 * err['top1']:.2f}%"
                     + (f"; budget {result.metric} <= {result.budget}"
                        if result.budget is not None else "")
                     + f"; {len(result.kept_float)} layer(s) kept in float")
    return "\n".join(lines)
