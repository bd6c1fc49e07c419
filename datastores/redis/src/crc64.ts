// CRC-64/Jones as Redis's crc64.c computes it over RDB files (reflected, polynomial
// 0xad93d23594c935a9), a byte at a time over two 32-bit halves: some 400 MB/s, BigInt's tenfold.

const POLY_LO = 0xac4bc9b5;
const POLY_HI = 0x95ac9329;

/** The CRC of each byte value: its low half at [2i], its high half at [2i + 1]. */
const TABLE = new Uint32Array(512);
for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const odd = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi >>>= 1;
    if (odd) {
      lo = (lo ^ POLY_LO) >>> 0;
      hi = (hi ^ POLY_HI) >>> 0;
    }
  }
  TABLE[2 * i] = lo;
  TABLE[2 * i + 1] = hi;
}

/** A running CRC-64 as Redis computes it over an RDB file. */
export class Crc64 {
  constructor(
    private lo = 0,
    private hi = 0,
  ) {}

  update(bytes: Uint8Array): this {
    let { lo, hi } = this;
    const table = TABLE;
    // An indexed loop: for…of over a Buffer runs at a tenth of the speed. Tried and dropped:
    // slicing-by-8 gained a third, word reads through a Uint32Array view nothing.
    for (let n = 0; n < bytes.length; n++) {
      const i = ((lo ^ (bytes[n] as number)) & 0xff) << 1;
      lo = ((lo >>> 8) | (hi << 24)) ^ (table[i] as number);
      hi = (hi >>> 8) ^ (table[i + 1] as number);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  copy(): Crc64 {
    return new Crc64(this.lo, this.hi);
  }

  /** As the RDB stores it: 8 bytes, little-endian. */
  bytes(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  hex(): string {
    return Buffer.from(this.bytes()).reverse().toString('hex');
  }
}
