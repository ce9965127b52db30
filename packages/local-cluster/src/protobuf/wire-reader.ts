/**
 * A reader of the protobuf binary wire format (https://protobuf.dev/programming-guides/encoding/):
 * varints, fixed 32/64-bit values and length-delimited bytes. 64-bit integers come out as bigint so
 * that nothing is lost before the JSON conversion decides what to do with them.
 */

/** Wire types of the protobuf encoding. */
export const WireType = {
  varint: 0,
  fixed64: 1,
  lengthDelimited: 2,
  startGroup: 3,
  endGroup: 4,
  fixed32: 5,
} as const;

/** Thrown on bytes that are not a valid protobuf encoding; the decoder turns it into a 400. */
export class MalformedProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedProtobufError';
  }
}

export class WireReader {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** Reads a field key: its number and wire type. */
  tag(): { field: number; wireType: number } {
    const key = this.varint();
    const field = Number(key >> 3n);
    if (field === 0 || field > 0x1fffffff) throw new MalformedProtobufError(`invalid field number ${field}`);
    return { field, wireType: Number(key & 7n) };
  }

  /** An unsigned varint, up to 64 bits. */
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.bytes.length)
        throw new MalformedProtobufError('unexpected end of data in a varint');
      const byte = this.bytes[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new MalformedProtobufError('varint longer than 10 bytes');
  }

  fixed32(): Uint8Array {
    return this.take(4);
  }

  fixed64(): Uint8Array {
    return this.take(8);
  }

  /** The payload of a length-delimited field. */
  lengthDelimited(): Uint8Array {
    const length = this.varint();
    if (length > BigInt(this.bytes.length - this.pos)) {
      throw new MalformedProtobufError(
        `length ${length} exceeds the ${this.bytes.length - this.pos} bytes left`,
      );
    }
    return this.take(Number(length));
  }

  /** Skips a value of the given wire type (groups are not used by Kubernetes and are refused). */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.take(8);
        return;
      case WireType.lengthDelimited:
        this.lengthDelimited();
        return;
      case WireType.fixed32:
        this.take(4);
        return;
      default:
        throw new MalformedProtobufError(`unsupported wire type ${wireType}`);
    }
  }

  private take(length: number): Uint8Array {
    if (this.pos + length > this.bytes.length) throw new MalformedProtobufError('unexpected end of data');
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}
