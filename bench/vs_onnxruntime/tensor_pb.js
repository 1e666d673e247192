// Minimal reader of an ONNX TensorProto (.pb) in the protobuf wire format,
// enough for the reference inputs of ../shared/models/testdata: dims, data_type,
// name, and the data as raw_data or as float/int32/int64/double repeated fields.
// Returns { name, type, dims, data } with `type` an onnxruntime tensor type
// string and `data` a typed array, ready for `new ort.Tensor(type, data, dims)`.
// writeTensorProto does the reverse (dims, data_type, name, raw_data), e.g. for
// an onnxruntime output tensor.
'use strict';

// ONNX TensorProto.DataType -> [ort type, TypedArray constructor].
const TYPES = {
  1: ['float32', Float32Array], 2: ['uint8', Uint8Array], 3: ['int8', Int8Array],
  4: ['uint16', Uint16Array], 5: ['int16', Int16Array], 6: ['int32', Int32Array],
  7: ['int64', BigInt64Array], 9: ['bool', Uint8Array], 10: ['float16', Uint16Array],
  11: ['float64', Float64Array], 12: ['uint32', Uint32Array],
  13: ['uint64', BigUint64Array],
};

// TensorProto field numbers used here.
const F = { dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7,
  name: 8, rawData: 9, doubleData: 10 };

function readVarint(buf, pos) {
  let value = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buf[pos++];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, pos];
    shift += 7n;
  }
}

// Splits the message into { field: [ {wire, value} ] }; value is a BigInt for
// varints and a Buffer slice for length-delimited and fixed-width fields.
function fields(buf) {
  const out = {};
  let pos = 0;
  while (pos < buf.length) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    let value;
    if (wire === 0) {
      [value, pos] = readVarint(buf, pos);
    } else if (wire === 2) {
      let len;
      [len, pos] = readVarint(buf, pos);
      value = buf.subarray(pos, pos + Number(len));
      pos += Number(len);
    } else if (wire === 1 || wire === 5) {
      const width = wire === 1 ? 8 : 4;
      value = buf.subarray(pos, pos + width);
      pos += width;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
    (out[field] = out[field] || []).push({ wire, value });
  }
  return out;
}

// Values of a repeated varint field, packed (wire 2) or not (wire 0).
function varints(entries) {
  const values = [];
  for (const { wire, value } of entries || []) {
    if (wire === 0) { values.push(value); continue; }
    for (let pos = 0; pos < value.length;) {
      let v;
      [v, pos] = readVarint(value, pos);
      values.push(v);
    }
  }
  return values;
}

// Bytes of a repeated fixed-width field (float, double), packed or not.
function fixedBytes(entries) {
  return Buffer.concat((entries || []).map((e) => e.value));
}

function readTensorProto(buf) {
  const f = fields(buf);
  const dataType = Number(varints(f[F.dataType])[0] || 0n);
  const [type, Ctor] = TYPES[dataType] || [];
  if (!type) throw new Error(`unsupported TensorProto data_type ${dataType}`);
  const dims = varints(f[F.dims]).map(Number);
  const name = f[F.name] ? f[F.name][0].value.toString('utf8') : '';
  const count = dims.reduce((a, b) => a * b, 1);

  let data;
  if (f[F.rawData]) {
    const raw = new Uint8Array(f[F.rawData][0].value); // own, aligned copy
    data = new Ctor(raw.buffer, 0, raw.length / Ctor.BYTES_PER_ELEMENT);
  } else if (dataType === 1 || dataType === 11) {
    const raw = fixedBytes(f[dataType === 1 ? F.floatData : F.doubleData]);
    data = new Ctor(new Uint8Array(raw).buffer, 0, raw.length / Ctor.BYTES_PER_ELEMENT);
  } else if (dataType === 7 || dataType === 13) {
    data = Ctor.from(varints(f[F.int64Data]));
  } else {
    data = Ctor.from(varints(f[F.int32Data]).map(Number)); // int32, small ints, bool
  }
  if (data.length !== count) {
    throw new Error(`tensor '${name}': ${data.length} values for dims [${dims}]`);
  }
  return { name, type, dims, data };
}

function writeVarint(value) {
  const bytes = [];
  let v = BigInt(value);
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v ? byte | 0x80 : byte);
  } while (v);
  return Buffer.from(bytes);
}

function lengthDelimited(field, payload) {
  return Buffer.concat([writeVarint((field << 3) | 2), writeVarint(payload.length), payload]);
}

// An ONNX TensorProto (dims, data_type, name, raw_data) of an onnxruntime tensor
// type string, dims and typed array (float16 data as its raw 16-bit words).
function writeTensorProto(name, type, dims, data) {
  const code = Object.keys(TYPES).find((k) => TYPES[k][0] === type);
  if (!code) throw new Error(`unsupported tensor type ${type}`);
  const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const parts = [];
  if (dims.length) parts.push(lengthDelimited(F.dims, Buffer.concat(dims.map(writeVarint))));
  parts.push(writeVarint(F.dataType << 3), writeVarint(Number(code)));
  parts.push(lengthDelimited(F.name, Buffer.from(name, 'utf8')));
  parts.push(lengthDelimited(F.rawData, raw));
  return Buffer.concat(parts);
}

module.exports = { readTensorProto, writeTensorProto };
