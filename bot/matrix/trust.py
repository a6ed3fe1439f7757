"""Which devices their owners have cross-signed (``MATRIX_REQUIRE_CROSS_SIGNED_DEVICES``).

A Matrix user's cross-signing keys live with the user (in their clients, or in secret storage
under their recovery key), not on the homeserver: the master key signs the self-signing key,
and the self-signing key signs each device the user verified. The homeserver only relays the
public keys and signatures (``/keys/query``), so it can add a device to an account but cannot
cross-sign it. Here the signatures are checked (ed25519 over canonical JSON) rather than taken
from the homeserver's word, and nio does not check cross-signing at all.

See ``docs/matrix-trust.md`` for what this does and does not protect against.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import vodozemac

log = logging.getLogger(__name__)

# A /keys/query answer for some users, or None when it could not be had.
KeysQuery = Callable[[str], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True)
class DeviceKeys:
    """The identity keys of one device: its Olm key and its signing key."""

    device_id: str
    curve25519: str
    ed25519: str


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """The Matrix spec's canonical JSON: keys sorted, no spaces, UTF-8 as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signed_by(signed: Mapping[str, Any], user_id: str, public_key: str) -> bool:
    """Whether ``signed`` carries a valid signature of ``user_id``'s ed25519 key
    ``public_key`` (under ``signatures.<user_id>."ed25519:<public_key>"``, as cross-signing
    keys sign; a device signs under its device id, see :func:`self_signed`)."""
    return _verify(signed, user_id, f"ed25519:{public_key}", public_key)


def self_signed(device: Mapping[str, Any], user_id: str, device_id: str, public_key: str) -> bool:
    return _verify(device, user_id, f"ed25519:{device_id}", public_key)


def _verify(signed: Mapping[str, Any], user_id: str, key_id: str, public_key: str) -> bool:
    signatures = signed.get("signatures")
    by_user = signatures.get(user_id) if isinstance(signatures, Mapping) else None
    signature = by_user.get(key_id) if isinstance(by_user, Mapping) else None
    if not isinstance(signature, str):
        return False
    # What was signed: the object without its signatures and its unsigned part.
    message = canonical_json(
        {k: v for k, v in signed.items() if k not in ("signatures", "unsigned")}
    )
    try:
        key = vodozemac.Ed25519PublicKey.from_base64(public_key)
        key.verify_signature(message, vodozemac.Ed25519Signature.from_base64(signature))
    except (vodozemac.KeyException, vodozemac.SignatureException, ValueError):
        return False
    return True


def cross_signing_key(found: Any, user_id: str, usage: str) -> str | None:
    """The ed25519 public key of a cross-signing key object (``master_keys`` or
    ``self_signing_keys`` of a /keys/query answer) when it is ``user_id``'s, for ``usage``,
    and holds exactly one key."""
    if not isinstance(found, Mapping) or found.get("user_id") != user_id:
        return None
    usages = found.get("usage")
    keys = found.get("keys")
    if not isinstance(usages, list) or usage not in usages or not isinstance(keys, Mapping):
        return None
    values = [key for key_id, key in keys.items() if str(key_id).startswith("ed25519:")]
    if len(values) != 1 or not isinstance(values[0], str):
        return None
    return values[0] if keys.get(f"ed25519:{values[0]}") == values[0] else None


def cross_signed_devices(answer: Mapping[str, Any], user_id: str) -> list[DeviceKeys]:
    """The devices of ``user_id`` in a /keys/query ``answer`` that their owner cross-signed:
    the device's keys signed by the self-signing key, itself signed by the master key."""
    master = cross_signing_key(_of(answer, "master_keys", user_id), user_id, "master")
    found = _of(answer, "self_signing_keys", user_id)
    self_signing = cross_signing_key(found, user_id, "self_signing")
    if master is None or self_signing is None or not signed_by(found, user_id, master):
        return []
    devices = _of(answer, "device_keys", user_id)
    if not isinstance(devices, Mapping):
        return []
    signed: list[DeviceKeys] = []
    for device_id, device in devices.items():
        keys = device_keys(device, user_id, device_id)
        if keys is not None and signed_by(device, user_id, self_signing):
            signed.append(keys)
    return signed


def device_keys(device: Any, user_id: str, device_id: str) -> DeviceKeys | None:
    """A device's identity keys, when the object is the device's own (ids match, signed with
    its own key)."""
    if not isinstance(device, Mapping):
        return None
    if device.get("user_id") != user_id or device.get("device_id") != device_id:
        return None
    keys = device.get("keys")
    if not isinstance(keys, Mapping):
        return None
    curve = keys.get(f"curve25519:{device_id}")
    signing = keys.get(f"ed25519:{device_id}")
    if not isinstance(curve, str) or not isinstance(signing, str):
        return None
    if not self_signed(device, user_id, device_id, signing):
        return None
    return DeviceKeys(device_id, curve, signing)


def _of(answer: Mapping[str, Any], section: str, user_id: str) -> Any:
    part = answer.get(section)
    return part.get(user_id) if isinstance(part, Mapping) else None


class CrossSignedDevices:
    """Per user, the devices they cross-signed, asked of the homeserver when first needed and
    forgotten when the user's devices or keys change (the sync says so)."""

    def __init__(self, query: KeysQuery) -> None:
        self._query = query
        self._known: dict[str, frozenset[DeviceKeys]] = {}

    def forget(self, user_ids: Iterable[str]) -> None:
        for user_id in user_ids:
            self._known.pop(user_id, None)

    async def vouch(self, user_id: str, curve25519: str, ed25519: str) -> DeviceKeys | None:
        """The device of ``user_id`` with these identity keys, if its owner cross-signed it."""
        devices = self._known.get(user_id)
        if devices is None:
            answer = await self._query(user_id)
            if answer is None:
                return None  # not known now: refused, and asked again next time
            devices = frozenset(cross_signed_devices(answer, user_id))
            self._known[user_id] = devices
        return next(
            (d for d in devices if d.curve25519 == curve25519 and d.ed25519 == ed25519), None
        )
