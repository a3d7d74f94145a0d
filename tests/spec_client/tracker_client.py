"""A client of the tollstream tracker, written from api-spec/ alone.

Everything here follows api-spec/signing.md and api-spec/openapi.yaml (no
knowledge of the C++ implementation): canonical JSON, tagged-hash digests,
signed request envelopes, verification of the tracker's signed answers, and
one function per tracker method. Signatures are BIP-340 (see bip340.py).

What it promises:
- canonical(value) is the canonical JSON of signing.md (RFC 8785 for the
  values the protocol uses) as UTF-8 bytes. It refuses floats (no message
  has one); checking the ranges of integers is left to the server.
- A TrackerClient signs every request with its own key, pins the tracker key
  learned by handshake, and accepts an answer only if it parses strictly,
  its signature verifies under the pinned key, it echoes the request id, its
  `status` equals the HTTP status and it carries `result` exactly when the
  status is 200. Anything else raises ProtocolError.
- A refusal that passes those checks raises TrackerError (status, code,
  message, the whole answer).
"""

import hashlib
import json
import os
import time
import urllib.error
import urllib.request

import bip340

# Domain tags (signing.md, "What is signed").
TAG_REQUEST = "tollstream/v1/request"
TAG_RESPONSE = "tollstream/v1/response"
TAG_CONTRACT = "tollstream/v1/contract"
TAG_RECEIPT = "tollstream/v1/receipt"
TAG_CODE = "tollstream/code"

MAX_AMOUNT = 2**53 - 1


# ----- canonical JSON and digests -------------------------------------------


def _canonical_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)  # everything else as itself (UTF-8 on output)
    out.append('"')
    return "".join(out)


def _canonical_text(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _canonical_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_canonical_text(v) for v in value) + "]"
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError("object keys must be strings")
        # RFC 8785 sorts by UTF-16 code units; for ASCII keys that is byte order.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(_canonical_string(k) + ":" + _canonical_text(value[k]) for k in keys) + "}"
    raise TypeError("no canonical form for %r (the protocol has no fractions)" % type(value).__name__)


def canonical(value) -> bytes:
    """The canonical JSON of value (signing.md), as UTF-8 bytes."""
    return _canonical_text(value).encode("utf-8")


def without_sig(message: dict) -> dict:
    """The message without its top-level "sig" member (what is signed)."""
    return {k: v for k, v in message.items() if k != "sig"}


def digest(tag: str, message: dict) -> bytes:
    """TaggedHash(tag, Canonical(message without sig)): what a signature covers."""
    return bip340.tagged_hash(tag, canonical(without_sig(message)))


def _unhex(text, length: int) -> bytes:
    """Bytes of a lowercase hex string of exactly `length` bytes (else ValueError)."""
    if not isinstance(text, str) or len(text) != 2 * length or text != text.lower():
        raise ValueError("expected %d bytes of lowercase hex, got %r" % (length, text))
    return bytes.fromhex(text)


# ----- keys, addresses, codes -----------------------------------------------


def ordinary_address(pubkey_hex: str) -> str:
    """SHA256(SHA224(pk)) over the 32 key bytes, as 64 hex digits."""
    return hashlib.sha256(hashlib.sha224(_unhex(pubkey_hex, 32)).digest()).hexdigest()


def special_address(kind: str, tracker_hex: str, owner_hex: str, number: int) -> str:
    """Address number `number` of kind "income" or "spend" held for owner:
    SHA256(SHA224("tollstream/" kind || PK_T || PK_owner || u64be(n)))."""
    if kind not in ("income", "spend"):
        raise ValueError("kind must be income or spend")
    data = b"tollstream/" + kind.encode("ascii") + _unhex(tracker_hex, 32) + _unhex(owner_hex, 32) + number.to_bytes(8, "big")
    return hashlib.sha256(hashlib.sha224(data).digest()).hexdigest()


def key_code(pubkey_hex: str) -> str:
    """A key's 6-digit code: first 8 bytes of TaggedHash("tollstream/code", pk), mod 10^6."""
    head = bip340.tagged_hash(TAG_CODE, _unhex(pubkey_hex, 32))[:8]
    return "%06d" % (int.from_bytes(head, "big") % 10**6)


_BECH32_ALPHABET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32m_checksum(prefix: str, groups) -> list:
    values = [ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix] + list(groups) + [0] * 6
    generator = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= generator[i]
    mod = chk ^ 0x2BC830A3
    return [(mod >> 5 * (5 - i)) & 31 for i in range(6)]


def human_form(prefix: str, hex32: str) -> str:
    """signing.md: an address (prefix "toll") or key ("tollpub") as people see
    it: Bech32m (BIP-350) of the 32 bytes."""
    value = int.from_bytes(_unhex(hex32, 32), "big") << 4  # 256 bits, padded to 260
    groups = [(value >> 5 * (51 - i)) & 31 for i in range(52)]
    return prefix + "1" + "".join(_BECH32_ALPHABET[g] for g in groups + _bech32m_checksum(prefix, groups))


class Key:
    """A secp256k1 key pair; signs digests with fresh aux_rand unless given one."""

    def __init__(self, secret_hex: str):
        self.secret = _unhex(secret_hex, 32)
        self.pubkey = bip340.public_key(self.secret).hex()
        self.address = ordinary_address(self.pubkey)

    @classmethod
    def generate(cls) -> "Key":
        while True:
            candidate = os.urandom(32)
            if 1 <= int.from_bytes(candidate, "big") < bip340.N:
                return cls(candidate.hex())

    def sign_digest(self, message_digest: bytes, aux_rand: bytes = None) -> str:
        if aux_rand is None:
            aux_rand = os.urandom(32)
        return bip340.sign(self.secret, message_digest, aux_rand).hex()

    def sign(self, tag: str, message: dict, aux_rand: bytes = None) -> dict:
        """A copy of message with "sig" set to this key's signature under tag."""
        signed = without_sig(message)
        signed["sig"] = self.sign_digest(digest(tag, signed), aux_rand)
        return signed


def verify_message(tag: str, message: dict, pubkey_hex: str) -> bool:
    """True when message["sig"] is pubkey's signature of the message under tag."""
    try:
        return bip340.verify(_unhex(pubkey_hex, 32), digest(tag, message), _unhex(message.get("sig"), 64))
    except (ValueError, TypeError):
        return False


# ----- contracts and receipts -------------------------------------------------


def contract_id(terms: dict) -> str:
    """TaggedHash("tollstream/v1/contract", Canonical(terms)), as hex."""
    return bip340.tagged_hash(TAG_CONTRACT, canonical(terms)).hex()


def sign_contract_id(key: Key, terms: dict) -> str:
    """key's signature of the contract id (viewer_sig or broadcaster_sig)."""
    return key.sign_digest(bytes.fromhex(contract_id(terms)))


def receipt_chain(contract_hex: str, segments, renditions=None) -> str:
    """chain_0 = contract id; chain_i = SHA256(chain_(i-1) || SHA256(segment_i)),
    and, under a contract with renditions, `|| r_i` (renditions[i], one byte)."""
    chain = _unhex(contract_hex, 32)
    for i, segment in enumerate(segments):
        link = chain + hashlib.sha256(segment).digest()
        if renditions is not None:
            link += bytes([renditions[i]])
        chain = hashlib.sha256(link).digest()
    return chain.hex()


def make_receipt(viewer: Key, contract_hex: str, segments: int, nbytes: int, amount: int, chain_hex: str,
                 counts=None) -> dict:
    """The viewer's signed cumulative receipt (tag tollstream/v1/receipt);
    `counts` per rendition under a contract with renditions."""
    receipt = {
        "contract": contract_hex,
        "viewer": viewer.pubkey,
        "segments": segments,
        "bytes": nbytes,
        "amount": amount,
        "chain": chain_hex,
    }
    if counts is not None:
        receipt["counts"] = list(counts)
    return viewer.sign(TAG_RECEIPT, receipt)


# ----- strict parsing ---------------------------------------------------------


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError("duplicate key %r" % key)
        result[key] = value
    return result


def _refuse_number(text):
    raise ValueError("number %r is not a plain integer" % text)


def parse_strict(body: bytes):
    """Parse JSON refusing duplicate keys, fractions, exponents, NaN and Infinity."""
    return json.loads(
        body.decode("utf-8"),
        object_pairs_hook=_no_duplicates,
        parse_float=_refuse_number,
        parse_constant=_refuse_number,
    )


# ----- the client ---------------------------------------------------------------


class ProtocolError(Exception):
    """The tracker's answer breaks the protocol (bad signature, wrong key, ...)."""


class TrackerError(Exception):
    """A signed, well-formed refusal by the tracker."""

    def __init__(self, answer: dict):
        self.answer = answer
        self.status = answer["status"]
        self.code = answer["error"]["code"]
        self.message = answer["error"]["message"]
        super().__init__("%d %s: %s" % (self.status, self.code, self.message))


class TrackerClient:
    """One party's session with one tracker: its key, the pinned tracker key
    and the offset of the tracker's clock."""

    def __init__(self, base_url: str, key: Key, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.tracker = None  # pinned by handshake
        self.clock_offset = 0  # tracker time − local time, from handshake
        self.handshake_result = None
        self.answers_verified = 0  # answers whose signature this client checked

    # -- envelopes --

    def now(self) -> int:
        """The tracker's clock as this client estimates it (unix seconds)."""
        return int(time.time()) + self.clock_offset

    def build_request(self, method: str, params: dict, ts: int = None, nonce: str = None) -> dict:
        """A signed request envelope (without `tracker` before the handshake)."""
        envelope = {
            "v": 1,
            "method": method,
            "pubkey": self.key.pubkey,
            "nonce": nonce if nonce is not None else os.urandom(16).hex(),
            "ts": ts if ts is not None else self.now(),
            "params": params,
        }
        if self.tracker is not None:
            envelope["tracker"] = self.tracker
        return self.key.sign(TAG_REQUEST, envelope)

    @staticmethod
    def request_id(request: dict) -> str:
        """The request id: the hex of the request's digest."""
        return digest(TAG_REQUEST, request).hex()

    # -- transport --

    def post_raw(self, route: str, body: bytes, content_type: str = "application/json"):
        """POST body to /v1/<route>; returns (HTTP status, raw answer bytes).

        The tracker does not look at the Content-Type (openapi.yaml)."""
        req = urllib.request.Request(
            self.base_url + "/v1/" + route,
            data=body,
            method="POST",
            headers={"Content-Type": content_type},
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def check_answer(self, http_status: int, raw: bytes, route: str, expected_request, expect_key: str = None) -> dict:
        """Parse and check one answer (see the module's promises); returns it.

        expected_request is the request id the answer must echo (None: it
        must be null). expect_key overrides the pinned key (used by the
        handshake before anything is pinned).
        """
        try:
            answer = parse_strict(raw)
        except ValueError as err:
            raise ProtocolError("answer is not strict JSON (%s): %r" % (err, raw[:200]))
        if not isinstance(answer, dict):
            raise ProtocolError("answer is not an object: %r" % raw[:200])
        status = answer.get("status")
        want = {"v", "method", "pubkey", "request", "ts", "status", "sig", "result" if status == 200 else "error"}
        if set(answer) != want:
            raise ProtocolError("answer members %s, expected %s" % (sorted(answer), sorted(want)))
        if answer["v"] != 1:
            raise ProtocolError("answer v is %r" % answer["v"])
        if status != http_status:
            raise ProtocolError("answer status %r differs from HTTP status %d" % (status, http_status))
        signer = expect_key if expect_key is not None else self.tracker
        if signer is None:
            raise ProtocolError("no tracker key pinned: call handshake first")
        if answer["pubkey"] != signer:
            raise ProtocolError("answer signed by %s, not the pinned tracker %s" % (answer["pubkey"], signer))
        if not verify_message(TAG_RESPONSE, answer, signer):
            raise ProtocolError("answer signature does not verify: %r" % answer)
        self.answers_verified += 1
        if answer["request"] != expected_request:
            raise ProtocolError("answer is for request %r, expected %r" % (answer["request"], expected_request))
        if answer["method"] not in (route, ""):
            raise ProtocolError("answer method %r for route %r" % (answer["method"], route))
        if status != 200:
            error = answer["error"]
            if not isinstance(error, dict) or set(error) != {"code", "message"}:
                raise ProtocolError("ill-formed error member: %r" % error)
        elif answer["method"] != route:
            raise ProtocolError("success answer method %r for route %r" % (answer["method"], route))
        return answer

    def send(self, request: dict, route: str = None, body: bytes = None, expected_request="auto",
             content_type: str = "application/json") -> dict:
        """Send a signed request; return the checked answer (refusals included).

        body overrides the bytes sent (default: canonical JSON of request);
        expected_request defaults to the request's id.
        """
        route = route or request["method"]
        if body is None:
            body = canonical(request)
        if expected_request == "auto":
            expected_request = self.request_id(request)
        status, raw = self.post_raw(route, body, content_type)
        return self.check_answer(status, raw, route, expected_request)

    def call(self, method: str, params: dict) -> dict:
        """Sign, send, check; return `result` or raise TrackerError."""
        answer = self.send(self.build_request(method, params))
        if answer["status"] != 200:
            raise TrackerError(answer)
        return answer["result"]

    # -- the methods --

    def handshake(self, agent: str = "spec-client-python/1") -> dict:
        """Learn, check and pin the tracker key; learn its clock and limits."""
        saved, self.tracker = self.tracker, None  # the handshake may omit `tracker`
        request = self.build_request("handshake", {"agent": agent})
        self.tracker = saved
        status, raw = self.post_raw("handshake", canonical(request))
        try:
            claimed = parse_strict(raw).get("pubkey")
        except (ValueError, AttributeError):
            raise ProtocolError("handshake answer is not JSON: %r" % raw[:200])
        if self.tracker is not None and claimed != self.tracker:
            raise ProtocolError("handshake answered by %s, pinned %s" % (claimed, self.tracker))
        answer = self.check_answer(status, raw, "handshake", self.request_id(request), expect_key=claimed)
        if status != 200:
            raise TrackerError(answer)
        result = answer["result"]
        if result.get("tracker") != answer["pubkey"]:
            raise ProtocolError("handshake result.tracker %r is not the signing key" % result.get("tracker"))
        if 1 not in result.get("versions", []):
            raise ProtocolError("tracker does not speak version 1: %r" % result.get("versions"))
        self.tracker = result["tracker"]
        self.clock_offset = result["time"] - int(time.time())
        self.handshake_result = result
        return result

    def mint(self, to: str, amount: int) -> dict:
        return self.call("mint", {"to": to, "amount": amount})

    def transfer(self, to: str, amount: int) -> dict:
        return self.call("transfer", {"to": to, "amount": amount})

    def account(self, address: str) -> dict:
        return self.call("account", {"address": address})

    def open_addresses(self, owner: str) -> dict:
        return self.call("openAddresses", {"owner": owner})

    def get_income_address(self) -> dict:
        return self.call("getIncomeAddress", {})

    def get_spend_address(self, deposit: int) -> dict:
        return self.call("getSpendAddress", {"deposit": deposit})

    def close_income_address(self, address: str) -> dict:
        return self.call("closeIncomeAddress", {"address": address})

    def close_spend_address(self, address: str) -> dict:
        return self.call("closeSpendAddress", {"address": address})

    def open_contract(self, signed_contract: dict) -> dict:
        return self.call("openContract", {"contract": signed_contract})

    def close_contract(self, contract_hex: str, receipt: dict = None) -> dict:
        params = {"contract": contract_hex}
        if receipt is not None:
            params["receipt"] = receipt
        return self.call("closeContract", params)

    def contract(self, contract_hex: str) -> dict:
        return self.call("contract", {"id": contract_hex})

    def announce(self, stream: str, url: str, price: int, ttl: int) -> dict:
        return self.call("announce", {"stream": stream, "url": url, "price": price, "ttl": ttl})

    def lookup(self, stream: str) -> dict:
        return self.call("lookup", {"stream": stream})

    def audit(self) -> dict:
        return self.call("audit", {})

    def summary(self) -> dict:
        return self.call("summary", {})


def make_terms(tracker: str, viewer: str, broadcaster: str, spend_address: str, income_address: str,
               stream: str, price: int, max_segments: int, expires: int, nonce: str = None) -> dict:
    """Contract terms (openapi.yaml ContractTerms)."""
    return {
        "tracker": tracker,
        "viewer": viewer,
        "broadcaster": broadcaster,
        "spend_address": spend_address,
        "income_address": income_address,
        "stream": stream,
        "price": price,
        "max_segments": max_segments,
        "expires": expires,
        "nonce": nonce if nonce is not None else os.urandom(16).hex(),
    }


def with_renditions(terms: dict, renditions) -> dict:
    """`terms` buying `renditions`, (name, price) pairs: `price` becomes the highest."""
    out = dict(terms)
    out["renditions"] = [{"name": name, "price": price} for name, price in renditions]
    out["price"] = max(price for _, price in renditions)
    return out
