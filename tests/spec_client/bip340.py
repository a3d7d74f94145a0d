"""BIP-340 Schnorr signatures over secp256k1, in pure Python.

Source of the algorithm: BIP-340, "Schnorr Signatures for secp256k1"
(https://github.com/bitcoin/bips/blob/master/bip-0340.mediawiki): x-only
public keys, points with an even Y coordinate, tagged hashes
("BIP0340/aux", "BIP0340/nonce", "BIP0340/challenge") and nonce derivation
from the secret key, the public key, the message and 32 bytes of auxiliary
randomness.

Written for the spec-only client of the tracker protocol, with the standard
library only. It is neither constant-time nor fast: it is for tests, not for
guarding real keys.

What it promises:
- sign(secret_key, msg, aux_rand) gives the BIP-340 signature (64 bytes);
  with the same inputs it is deterministic and matches the official test
  vectors.
- verify(public_key, msg, sig) is True exactly when BIP-340 verification
  accepts; malformed inputs (wrong lengths, keys off the curve, values out
  of range) give False rather than an exception.
- Messages may be of any length (BIP-340 as finalised), though the tracker
  protocol only signs 32-byte digests.
"""

import hashlib

# secp256k1: y^2 = x^3 + 7 over the prime field F_p; G has prime order N.
P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (
    0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)

# A point is a tuple (x, y) of field elements, or None for the point at
# infinity.


def tagged_hash(tag: str, data: bytes) -> bytes:
    """SHA256(SHA256(tag) || SHA256(tag) || data), the BIP-340 tagged hash."""
    tag_hash = hashlib.sha256(tag.encode("utf-8")).digest()
    return hashlib.sha256(tag_hash + tag_hash + data).digest()


def _point_add(p1, p2):
    """The group law on affine points (None is the identity)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None  # p2 == -p1
    if p1 == p2:
        lam = 3 * x1 * x1 * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def _point_mul(point, scalar: int):
    """scalar × point by double-and-add (not constant-time)."""
    result = None
    addend = point
    while scalar:
        if scalar & 1:
            result = _point_add(result, addend)
        addend = _point_add(addend, addend)
        scalar >>= 1
    return result


def _bytes32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _has_even_y(point) -> bool:
    return point[1] % 2 == 0


def lift_x(x: int):
    """The point with x coordinate x and an even y, or None if there is none."""
    if x >= P:
        return None
    c = (pow(x, 3, P) + 7) % P
    y = pow(c, (P + 1) // 4, P)  # a square root, since P ≡ 3 (mod 4)
    if y * y % P != c:
        return None
    return (x, y if y % 2 == 0 else P - y)


def public_key(secret_key: bytes) -> bytes:
    """The 32-byte x-only public key of a 32-byte secret key."""
    d = _int(secret_key)
    if len(secret_key) != 32 or not 1 <= d < N:
        raise ValueError("the secret key must be 32 bytes encoding 1 … n−1")
    return _bytes32(_point_mul(G, d)[0])


def sign(secret_key: bytes, msg: bytes, aux_rand: bytes) -> bytes:
    """The 64-byte BIP-340 signature of msg by secret_key.

    aux_rand must be 32 bytes; use fresh randomness in practice (it only
    hardens the nonce against side channels, any value gives a valid
    signature).
    """
    if len(aux_rand) != 32:
        raise ValueError("aux_rand must be 32 bytes")
    d0 = _int(secret_key)
    if len(secret_key) != 32 or not 1 <= d0 < N:
        raise ValueError("the secret key must be 32 bytes encoding 1 … n−1")
    pub = _point_mul(G, d0)
    d = d0 if _has_even_y(pub) else N - d0
    pub_x = _bytes32(pub[0])
    # Nonce: hash of (d masked with the hashed aux_rand), the key and msg.
    masked = bytes(a ^ b for a, b in zip(_bytes32(d), tagged_hash("BIP0340/aux", aux_rand)))
    k0 = _int(tagged_hash("BIP0340/nonce", masked + pub_x + msg)) % N
    if k0 == 0:
        raise ValueError("nonce is zero (negligible probability)")
    r_point = _point_mul(G, k0)
    k = k0 if _has_even_y(r_point) else N - k0
    r_x = _bytes32(r_point[0])
    e = _int(tagged_hash("BIP0340/challenge", r_x + pub_x + msg)) % N
    sig = r_x + _bytes32((k + e * d) % N)
    # BIP-340 recommends verifying before releasing a signature.
    if not verify(pub_x, msg, sig):
        raise RuntimeError("the signature just made does not verify")
    return sig


def verify(public_key_x: bytes, msg: bytes, sig: bytes) -> bool:
    """True when sig is a valid BIP-340 signature of msg by public_key_x."""
    if len(public_key_x) != 32 or len(sig) != 64:
        return False
    pub = lift_x(_int(public_key_x))
    if pub is None:
        return False
    r = _int(sig[:32])
    s = _int(sig[32:])
    if r >= P or s >= N:
        return False
    e = _int(tagged_hash("BIP0340/challenge", sig[:32] + public_key_x + msg)) % N
    # R = s·G − e·P
    r_point = _point_add(_point_mul(G, s), _point_mul(pub, N - e))
    if r_point is None or not _has_even_y(r_point):
        return False
    return r_point[0] == r


def is_valid_public_key(public_key_x: bytes) -> bool:
    """True when the 32 bytes are the x coordinate of a point on the curve."""
    return len(public_key_x) == 32 and lift_x(_int(public_key_x)) is not None
