"""The per-layer report of kiln.quantize as text: error, cost, expected int8 gain, decision."""


def _num(value, fmt):
    return format(value, fmt) if value is not None else "-"


def format_report(result):
    """A table with one row per quantized compute layer, then the model's measured error."""
    if not result.layers:
        return ""
    width = max(12, min(60, max(len(l.name) for l in result.layers)))
    head = (f"{'layer':<{width}} {'op':<7} {'kind':<11} {'SQNR dB':>8} {'MFLOP':>9} "
            f"{'est fp32 ms':>11} {'est gain ms':>11}  decision")
    lines = [head, "-" * len(head)]
    for l in result.layers:
        name = l.name if len(l.name) <= width else "..." + l.name[-(width - 3):]
        lines.append(f"{name:<{width}} {l.op:<7} {l.kind:<11} {_num(l.sqnr_db, '8.1f')} "
                     f"{_num(l.mflop, '9.1f')} {_num(l.float_ms, '11.3f')} "
                     f"{_num(l.gain_ms, '11.3f')}  {l.decision}")
    speedups = ", ".join(f"{k} {v:g}x" for k, v in _speedups().items())
    lines.append(f"(SQNR: the layer alone quantized, its output against float; est fp32 ms: the "
                 f"float model's measured {getattr(result, 'model_ms', 0):.2f} ms shared by "
                 f"FLOPs; est gain: assumed int8 speed-ups {speedups})")
    err = result.output_error
    if err:
        budget = getattr(result, "budget", None)
        lines.append(f"model output vs float: rel_error {err['rel_error']:.4f}, SQNR "
                     f"{err['sqnr_db']:.1f} dB, top-1 changed {100 * err['top1']:.2f}%"
                     + (f"; budget {result.metric} <= {budget}" if budget is not None else "")
                     + f"; {len(result.kept_float)} layer(s) kept in float")
    return "\n".join(lines)


def _speedups():
    from .sensitivity import INT8_SPEEDUP
    return INT8_SPEEDUP
