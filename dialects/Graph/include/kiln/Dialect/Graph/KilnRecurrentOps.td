//===- KilnRecurrentOps.td - recurrent layers: the recurrence over time ---===//
//
// ONNX RNN, GRU and LSTM become a kiln.matmul (the input projection of the whole sequence,
// one big GEMM) and a kiln.recurrent: the loop over time that multiplies the hidden state by
// the recurrent weights, applies the gates and writes each step's state. It lowers to an
// scf.for over time (a run-time bound for a symbolic sequence length) whose body is small
// static linalg ops (RecurrentToLinalg.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_RECURRENT_OPS_TD
#define KILN_RECURRENT_OPS_TD

include "kiln/Dialect/Graph/KilnBase.td"

def Kiln_RecurrentCellAttr : I32EnumAttr<"RecurrentCell", "recurrent cell", [
    I32EnumAttrCase<"rnn", 0>, I32EnumAttrCase<"gru", 1>, I32EnumAttrCase<"lstm", 2>]> {
  let cppNamespace = "::kiln";
}

def Kiln_RecurrentOp : Kiln_Op<"recurrent", [Pure, AttrSizedOperandSegments]> {
  let summary = "the recurrence of an RNN, GRU or LSTM layer over a projected sequence";
  let description = [{
    With S steps, B batch entries, D directions (1 or 2), G gates (RNN 1, GRU 3, LSTM 4) and
    H hidden units, in ONNX's gate order (GRU z, r, h; LSTM i, o, f, c):
    `projected` [S, B, D*G*H]: X W^T + Wb (+ the parts of Rb that are plain sums) per step,
    direction d's gates at columns [d*G*H, (d+1)*G*H). `recurrence` [D, G*H/T, H, T]: R^T
    per direction packed in column tiles of T (T divides H): element [d, n, k, j] is
    R[d][n*T + j][k], so the columns of a tile are contiguous for every k (a step's product
    streams them). `recurrent_bias` [D, G*H] is added to H R^T (GRU's Rb, which the reset gate
    scales). `initial_h`/`initial_c` [D, B, H] (zeros when absent), `peepholes` [D, 3*H]
    (LSTM: i, o, f), `sequence_lens` [B] (integer): a step t >= sequence_lens[b] keeps
    entry b's state and writes zeros to y. Direction "reverse" (and direction 1 of
    "bidirectional") runs t = S-1 down to 0. `activations` holds the cell's functions per
    direction (RNN f; GRU f, g; LSTM f, g, h) with one alpha and beta each; `clip` bounds
    every activation's input. Results: y [S, D, B, H] (every step's hidden state), y_h
    [D, B, H] (the last), y_c [D, B, H] (LSTM only: the last cell state).
  }];
  let arguments = (ins Kiln_Tensor:$projected, Kiln_Tensor:$recurrence,
                       Optional<Kiln_Tensor>:$recurrent_bias, Optional<Kiln_Tensor>:$initial_h,
                       Optional<Kiln_Tensor>:$initial_c, Optional<Kiln_Tensor>:$peepholes,
                       Optional<Kiln_Tensor>:$sequence_lens, Kiln_RecurrentCellAttr:$cell,
                       StrAttr:$direction, StrArrayAttr:$activations,
                       DenseF64ArrayAttr:$activation_alpha, DenseF64ArrayAttr:$activation_beta,
                       OptionalAttr<F64Attr>:$clip,
                       DefaultValuedAttr<BoolAttr, "false">:$linear_before_reset,
                       DefaultValuedAttr<BoolAttr, "false">:$input_forget);
  let results = (outs Kiln_Tensor:$y, Kiln_Tensor:$y_h, Optional<Kiln_Tensor>:$y_c);
  let assemblyFormat = [{
    $cell $projected `,` $recurrence (`bias` $recurrent_bias^)? (`h0` $initial_h^)?
    (`c0` $initial_c^)? (`peepholes` $peepholes^)? (`lens` $sequence_lens^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Gates per step: RNN 1, GRU 3, LSTM 4.
    int64_t getNumGates();
    /// Activation functions per direction: RNN 1, GRU 2, LSTM 3.
    int64_t getNumActivations();
    int64_t getNumDirections() { return getRecurrence().getType().getDimSize(0); }
    int64_t getHiddenSize() { return getRecurrence().getType().getDimSize(2); }
    /// Columns per tile of the packed recurrence weights.
    int64_t getColumnTile() { return getRecurrence().getType().getDimSize(3); }
    /// Whether direction `d` runs from the last step to the first.
    bool isReversed(int64_t d) { return d == 1 || getDirection() == "reverse"; }
  }];
}

#endif // KILN_RECURRENT_OPS_TD
