//===- RecurrentCells.h - one time step of an RNN, GRU or LSTM cell (internal) -===//
#ifndef KILN_CONVERSION_KILNTOLINALG_RECURRENTCELLS_H
#define KILN_CONVERSION_KILNTOLINALG_RECURRENTCELLS_H

#include "compiler/Conversion/KilnToLinalg/Patterns.h"

namespace kiln::lowering {

/// What every step of one direction of a kiln.recurrent reads: sizes, weights and functions.
struct RecurrentDirection {
  graph::RecurrentCell cell;
  int64_t hidden, gates;
  bool linearBeforeReset, inputForget;
  std::optional<double> clip;
  /// The direction's functions (RNN f; GRU f, g; LSTM f, g, h) with their alpha and beta.
  SmallVector<StringRef> activations;
  SmallVector<double> alphas, betas;
  Value projected;    // [S, B, D*G*H]
  int64_t column;     // the first column of this direction's gates in `projected`
  Value recurrence;   // [G*H/T, H, T]: R^T of this direction in column tiles
  Value bias;         // [G*H] added to H R^T, or null
  Value peepholes;    // [3*H] (i, o, f), or null
  Value sequenceLens; // [B] integers, or null
  OpFoldResult batch; // B
  Type elementType;
};

/// The tensors a step carries from one time index to the next. `scratch` [B, G*H/T, T]
/// holds H R^T in column tiles of T (R^T's tiles); GRU without linear_before_reset keeps
/// only z and r there ([B, 2*H/T, T]) and has `gated` [B, H] = r * H and `candidate`
/// [B, H/T, T] = (r * H) R_h^T. `y` is the whole output [S, D, B, H], written at [t, d].
struct RecurrentState {
  Value h, c, scratch, gated, candidate, y;

  SmallVector<Value> pack() const;
  static RecurrentState unpack(const RecurrentState &like, ValueRange values);
};

/// Builds the step at time index `t` (an index) of direction `d` and returns the new state.
RecurrentState buildRecurrentStep(OpBuilder &b, Location loc, const RecurrentDirection &dir,
                                  int64_t d, Value t, const RecurrentState &state);

/// `fn(x)` for the recurrent activation `name` (Relu, Tanh, Sigmoid, Affine, LeakyRelu,
/// ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus), `x` first clipped to
/// [-clip, clip] when given.
Value recurrentActivation(OpBuilder &b, Location loc, StringRef name, double alpha, double beta,
                          std::optional<double> clip, Value x);

} // namespace kiln::lowering

#endif // KILN_CONVERSION_KILNTOLINALG_RECURRENTCELLS_H
