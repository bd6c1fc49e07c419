// The few commands of memcached's binary protocol the guest needs, over node:net: with SASL on,
// memcached answers only the binary protocol, so a health check must speak it too.

import { connect } from 'node:net';

const HEADER = 24;
const REQUEST = 0x80;
const RESPONSE = 0x81;

/** The opcodes used here (memcached's protocol_binary.h). */
export const opcodes = Object.freeze({ get: 0x00, set: 0x01, saslListMechs: 0x20, saslAuth: 0x21 });

/**
 * @typedef {object} Request
 * @property {number} opcode
 * @property {Buffer} [key]
 * @property {Buffer} [extras]
 * @property {Buffer} [value]
 */

/**
 * @typedef {object} Response
 * @property {number} opcode
 * @property {number} status 0 is success; 0x01 key not found; 0x20 authentication error
 * @property {Buffer} value
 */

/** One request packet. @param {Request} request @returns {Buffer} */
export function encodeRequest({
  opcode,
  key = Buffer.alloc(0),
  extras = Buffer.alloc(0),
  value = Buffer.alloc(0),
}) {
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(REQUEST, 0);
  header.writeUInt8(opcode, 1);
  header.writeUInt16BE(key.length, 2);
  header.writeUInt8(extras.length, 4);
  header.writeUInt32BE(extras.length + key.length + value.length, 8);
  return Buffer.concat([header, extras, key, value]);
}

/**
 * The first whole response packet in `buffer`, and how many bytes it took; undefined until all of
 * it has arrived. @param {Buffer} buffer @returns {{ response: Response, size: number } | undefined}
 */
export function decodeResponse(buffer) {
  if (buffer.length < HEADER) return undefined;
  if (buffer.readUInt8(0) !== RESPONSE) throw new Error('not a memcached binary protocol response');
  const size = HEADER + buffer.readUInt32BE(8);
  if (buffer.length < size) return undefined;
  const keyLength = buffer.readUInt16BE(2);
  const extrasLength = buffer.readUInt8(4);
  return {
    response: {
      opcode: buffer.readUInt8(1),
      status: buffer.readUInt16BE(6),
      value: buffer.subarray(HEADER + extrasLength + keyLength, size),
    },
    size,
  };
}

/**
 * Sends one request on a fresh connection and resolves with the response, or rejects when the
 * server cannot be reached or does not answer within `timeoutMs`.
 * @param {{ host: string, port: number, timeoutMs: number }} where @param {Request} request
 * @returns {Promise<Response>}
 */
export function exchange({ host, port, timeoutMs }, request) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const fail = (/** @type {Error} */ error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)),
    );
    socket.on('error', fail);
    socket.on('connect', () => socket.write(encodeRequest(request)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      try {
        const decoded = decodeResponse(received);
        if (decoded === undefined) return;
        socket.end();
        resolve(decoded.response);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('end', () =>
      fail(new Error(`${host}:${port} closed the connection without answering`)),
    );
  });
}

/**
 * The SASL mechanisms the server offers: what it answers before any authentication, so it tells
 * a server that serves from one that only listens.
 * @param {{ host: string, port: number, timeoutMs: number }} where @returns {Promise<string[]>}
 */
export async function saslMechanisms(where) {
  const { status, value } = await exchange(where, { opcode: opcodes.saslListMechs });
  if (status !== 0) throw new Error(`memcached refused to list SASL mechanisms (status ${status})`);
  return value.toString('utf8').split(/\s+/).filter(Boolean);
}
