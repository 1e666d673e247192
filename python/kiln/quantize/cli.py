"""kiln-quantize: the command line over kiln.quantize.

    kiln-quantize MODEL.onnx --calibration DATA -o MODEL.int8.onnx
                  [--method minmax|percentile|entropy] [--percentile P] [--per-channel]
                  [--exclude NODE ...] [--max-drop X [--metric rel_error|top1]] [--report]
"""
import argparse
import sys

from .observers import METHODS


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="kiln-quantize",
        description="Calibrated post-training quantization of a float ONNX model into a QDQ "
                    "ONNX model (int8 weights, uint8 activations, int32 biases) that Kiln and "
                    "onnxruntime run.")
    p.add_argument("model", help="the float ONNX model")
    p.add_argument("--calibration", required=True, metavar="DATA",
                   help="an .npz with one array per model input, named as the input, whose "
                        "first axis indexes the samples; or a folder of ONNX "
                        "test_data_set_*/input_*.pb sets")
    p.add_argument("-o", "--output", required=True, help="the QDQ model to write")
    p.add_argument("--method", choices=METHODS, default="minmax",
                   help="how activation ranges are picked (default: minmax)")
    p.add_argument("--percentile", type=float, default=99.99,
                   help="the central share kept by --method percentile (default: 99.99)")
    p.add_argument("--per-channel", action="store_true",
                   help="one weight scale per output channel (default: one per tensor)")
    p.add_argument("--exclude", nargs="+", default=[], metavar="NODE",
                   help="node names to keep in float")
    p.add_argument("--max-drop", type=float, metavar="X",
                   help="accuracy budget: keep the worst layers in float until the output "
                        "error on the calibration data is at most X (see --metric)")
    p.add_argument("--metric", choices=("rel_error", "top1"), default="rel_error",
                   help="rel_error: ||y_q - y|| / ||y|| over the outputs; top1: share of "
                        "samples whose arg-max changes (default: rel_error)")
    p.add_argument("--report", action="store_true",
                   help="measure and print the per-layer report without a budget")
    p.add_argument("--threads", type=int, help="threads of the calibration runs")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p.parse_args(argv)


def _warning_line(message, category, filename, lineno, line=None):
    return f"kiln-quantize: warning: {message}\n"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import warnings
    warnings.formatwarning = _warning_line
    import kiln
    from .api import quantize
    options = {"threads": args.threads} if args.threads else None
    try:
        result = quantize(args.model, args.calibration, method=args.method,
                          per_channel=args.per_channel, exclude=args.exclude,
                          percentile=args.percentile, accuracy_budget=args.max_drop,
                          metric=args.metric, analyze=args.report,
                          progress=not args.quiet,
                          compile_options=options)
    except (kiln.KilnError, ValueError, OSError) as err:
        print(f"kiln-quantize: error: {err}", file=sys.stderr)
        return 1
    result.save(args.output)
    if result.layers:
        print(result.report())
    counts = {}
    for name, op in result.plan.op_type.items():
        op += " (folded)" if name in result.plan.folded else ""
        counts[op] = counts.get(op, 0) + 1
    summary = ", ".join(f"{n} {op}" for op, n in sorted(counts.items()))
    print(f"kiln-quantize: wrote {args.output}: quantized {summary}"
          + (f"; kept in float: {', '.join(result.kept_float)}" if result.kept_float else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
