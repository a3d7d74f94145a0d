// The human forms of addresses (toll1…) and public keys (tollpub1…) that the
// pages show: Bech32m (BIP-350) of the 32 bytes, as the command line prints
// them (common/protocol/address_text.h). The wire carries 64 hex digits.
'use strict';

const BECH32_ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function bech32mPolymod(values) {
  const generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ generator[i]) >>> 0;
  }
  return chk;
}

// `hex`: 64 hex digits. Anything else is returned as it is.
function bech32mOfHex(prefix, hex) {
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) return hex;
  const groups = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 64; i += 2) {
    acc = ((acc << 8) | parseInt(hex.slice(i, i + 2), 16)) & 0xfff;
    bits += 8;
    while (bits >= 5) { bits -= 5; groups.push((acc >>> bits) & 31); }
  }
  if (bits > 0) groups.push((acc << (5 - bits)) & 31);
  const expanded = [...prefix].map((c) => c.charCodeAt(0) >>> 5).concat([0],
    [...prefix].map((c) => c.charCodeAt(0) & 31), groups, [0, 0, 0, 0, 0, 0]);
  const mod = (bech32mPolymod(expanded) ^ 0x2bc830a3) >>> 0;
  let out = prefix + '1' + groups.map((g) => BECH32_ALPHABET[g]).join('');
  for (let i = 0; i < 6; i++) out += BECH32_ALPHABET[(mod >>> (5 * (5 - i))) & 31];
  return out;
}

const addressText = (hex) => bech32mOfHex('toll', hex);
const keyText = (hex) => bech32mOfHex('tollpub', hex);
