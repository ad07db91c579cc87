# An independent reader of a CXEN v1 envelope (docs/confidential.md) using python's cryptography package:
# usage: python3 scripts/ecies_read.py ENVELOPE_HEX PRIVATE_KEY_HEX. It cross-checks the C++ code's
# known-answer vector (src/crypto/ecies_test.cpp, Ecies.KnownAnswer) with a second implementation.
import sys, hashlib
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
env = bytes.fromhex(sys.argv[1]); key = int(sys.argv[2], 16)
assert env[:4] == b"CXEN" and env[4] == 1
n = env[5]; eph = env[6:39]; nonce = env[39:51]; commit = env[51:83]
priv = ec.derive_private_key(key, ec.SECP256K1())
pub = priv.public_key()
upub = pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
cpub = pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
addr = hashlib.sha3_256(upub[1:]).digest()[-20:]
slots = [env[83+68*i:83+68*(i+1)] for i in range(n)]
i = [s[:20] for s in slots].index(addr)
x = priv.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), eph))
okm = HKDF(hashes.SHA256(), 44, eph + cpub, b"complexchain/ecies/v1/wrap").derive(x)
aad = env[:83] + b"".join(s[:20] for s in slots)
ck = AESGCM(okm[:32]).decrypt(okm[32:], slots[i][20:], aad)
assert hashlib.sha3_256(b"complexchain/ecies/v1/commit" + ck).digest() == commit
hdr = 83 + 68 * n
print(AESGCM(ck).decrypt(nonce, env[hdr:], env[:hdr]).decode())
