// The SCRAM-SHA-256 verifiers the guest stores, checked against RFC 7677's example exchange.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import { preparedPassword, scramVerifier, SCRAM_ITERATIONS } from './scram.js';

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

test('the verifier has the form pg_authid keeps: SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey', () => {
  const verifier = scramVerifier('pencil');
  const match =
    /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier);
  assert.ok(match, verifier);
  assert.equal(Number(match[1]), SCRAM_ITERATIONS);
  assert.equal(Buffer.from(match[2] ?? '', 'base64').length, 16);
  assert.equal(Buffer.from(match[3] ?? '', 'base64').length, 32);
  assert.equal(Buffer.from(match[4] ?? '', 'base64').length, 32);
});

test('every verifier gets a salt of its own', () => {
  assert.notEqual(scramVerifier('same password'), scramVerifier('same password'));
});

test("the verifier checks the proof and signs the reply of RFC 7677's example exchange", () => {
  // RFC 7677 section 3: user "user", password "pencil".
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const verifier = scramVerifier('pencil', { salt, iterations: 4096 });
  const [storedKey = '', serverKey = ''] = (verifier.split('$')[2] ?? '').split(':');
  const authMessage = [
    'n=user,r=rOprNGfwEbeRWgbNEkqO',
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  ].join(',');
  // The server's side of the exchange: recover ClientKey from the proof, hash it, compare.
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const clientSignature = hmac(Buffer.from(storedKey, 'base64'), authMessage);
  const clientKey = Buffer.from(proof.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
  assert.equal(createHash('sha256').update(clientKey).digest('base64'), storedKey);
  assert.equal(
    hmac(Buffer.from(serverKey, 'base64'), authMessage).toString('base64'),
    '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  );
  assert.ok(verifier.startsWith('SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$'));
});

test('passwords are prepared as PostgreSQL prepares them: ASCII as is, others through SASLprep', () => {
  const ascii = `pw with 'quotes', "doubles", \\backslashes\\ and a\ttab`;
  assert.equal(preparedPassword(ascii), ascii);
  // NFKC: fullwidth letters become ASCII ones; a non-ASCII space becomes a space; a soft hyphen goes.
  assert.equal(preparedPassword('pässwörd-ｆｕｌｌ'), 'pässwörd-full');
  assert.equal(preparedPassword('two\u00a0words'), 'two words');
  assert.equal(preparedPassword('soft\u00adhyphen-ü'), 'softhyphen-ü');
  // Refused by SASLprep (unassigned in Unicode 3.2, mixed directions): hashed raw, as the server does.
  assert.equal(preparedPassword('ȡ-unassigned'), 'ȡ-unassigned');
  assert.equal(preparedPassword('abc\u05d0'), 'abc\u05d0');
  // PostgreSQL refuses what is empty after mapping, and U+0341 before normalising it to U+0301.
  assert.equal(preparedPassword('\u00ad\ufe0f'), '\u00ad\ufe0f');
  assert.equal(preparedPassword('tone\u0341-ü'), 'tone\u0341-ü');
  assert.throws(() => preparedPassword('nul\0inside'), /NUL/);
});

test('passwords SASLprep maps to the same string have the same verifier', () => {
  const salt = Buffer.alloc(16, 7);
  assert.equal(
    scramVerifier('pässwörd-ｆｕｌｌ', { salt }),
    scramVerifier('pässwörd-full', { salt }),
  );
  assert.notEqual(
    scramVerifier('pässwörd-full', { salt }),
    scramVerifier('passwörd-full', { salt }),
  );
});
