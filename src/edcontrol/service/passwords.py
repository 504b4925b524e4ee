"""Password hashing for staff accounts: scrypt from the standard library (memory-hard, salted per user).

Stored as ``scrypt$N$r$p$<salt hex>$<hash hex>`` so the cost can be raised later while old hashes verify.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

N, R, P, DKLEN = 2**14, 8, 1, 32
MIN_LENGTH = 10


class WeakPassword(ValueError):
    pass


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=DKLEN)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2
        )
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


# verified against when the username is unknown, so a wrong name costs as long as a wrong password
DUMMY_HASH = f"scrypt${N}${R}${P}${'00' * 16}${'00' * DKLEN}"
