//===- Half.h - IEEE half and bfloat16 <-> float, header-only ------------===//
// Shared by kiln-run (reading and writing float16 tensors) and the compiler (f16/bf16
// constants widened to f32 at compile time): exact bit manipulation, no APFloat per element.
#ifndef KILN_RUNTIME_TOOLS_HALF_H
#define KILN_RUNTIME_TOOLS_HALF_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace kiln {

inline float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

/// IEEE half bits to float (exact: every half is a float).
inline float halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
  if (exponent == 0) // zero or subnormal: mantissa units of 2^-24, exact in a float
    return std::copysign(float(mantissa) * 0x1p-24f, bitsToFloat(sign | 0x3f800000));
  if (exponent == 31) // infinity or NaN (the payload kept)
    return bitsToFloat(sign | 0x7f800000 | (mantissa << 13));
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/// bfloat16 bits to float (exact: the upper half of a float).
inline float bfloat16ToFloat(uint16_t bits) { return bitsToFloat(uint32_t(bits) << 16); }

/// Float to IEEE half bits, rounding to nearest even.
inline uint16_t floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  float magnitude = std::fabs(value);
  if (std::isnan(value))
    return sign | 0x7e00;
  if (magnitude >= 65520.0f)
    return sign | 0x7c00;
  if (magnitude < std::ldexp(1.0f, -14)) // subnormal: units of 2^-24
    return sign | uint16_t(std::nearbyint(std::ldexp(magnitude, 24)));
  int exponent;
  float fraction = std::frexp(magnitude, &exponent); // [0.5, 1)
  uint32_t mantissa = uint32_t(std::nearbyint(std::ldexp(fraction, 11)));
  if (mantissa == 0x800) { // rounding carried into the next power of two
    mantissa = 0x400;
    ++exponent;
  }
  return sign | uint16_t(((exponent + 14) << 10) | (mantissa & 0x3ff));
}

} // namespace kiln

#endif
